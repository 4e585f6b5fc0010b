import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  REDIS_URL,
  dropPrefix,
  eventually,
  redisAvailable,
  startNode,
  uniquePrefix,
} from './test-support/cluster.js'
import type { NodeProcess } from './test-support/cluster.js'
import { connect, ofType } from './test-support/harness.js'
import type { Message, TestClient } from './test-support/harness.js'

// Real Redis: with CI=true these tests must run; elsewhere they skip (with the reason) when no
// Redis answers at REDIS_URL.
const available = await redisAvailable()
if (!available) {
  if (process.env['CI'] === 'true') {
    throw new Error(`CI=true but no Redis answers at ${REDIS_URL}; the cluster tests cannot run`)
  }
  console.warn(`cluster tests skipped: no Redis at ${REDIS_URL} (set REDIS_URL or start one)`)
}

let redis: Redis
let prefix: string
let home: string
let nodes: NodeProcess[] = []
const clients: TestClient[] = []

beforeAll(() => {
  if (available) redis = new Redis(REDIS_URL)
})
afterAll(async () => {
  if (available) await redis.quit()
})

beforeEach(async () => {
  prefix = uniquePrefix()
  home = await mkdtemp(join(tmpdir(), 'ca-cluster-'))
})

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close()
  await Promise.all(nodes.map((node) => node.stop()))
  nodes = []
  if (available) await dropPrefix(redis, prefix)
  await rm(home, { recursive: true, force: true })
})

const start = async (env: Record<string, string> = {}): Promise<NodeProcess> => {
  const node = await startNode({
    CRYPTO_ANALYZER_REDIS_PREFIX: prefix,
    CRYPTO_ANALYZER_HOME: home,
    CRYPTO_ANALYZER_SYMBOLS: 'BTC,ETH',
    CRYPTO_ANALYZER_MOCK_INTERVAL_MS: '50',
    CRYPTO_ANALYZER_LEADER_LEASE_MS: '2000',
    ...env,
  })
  nodes.push(node)
  return node
}

const client = async (node: NodeProcess): Promise<TestClient> => {
  const c = await connect(node.wsUrl)
  clients.push(c)
  return c
}

const leaderOf = async (list: readonly NodeProcess[]): Promise<NodeProcess> =>
  eventually(async () => {
    for (const node of list) if ((await node.status()).cluster.leader) return node
    return undefined
  }, 'a leader')

const seqOf = (message: Message): number => message['seq'] as number

describe.runIf(available)('several server processes on Redis', () => {
  it('fans out what the leader ingests to clients of every process with the same seq and bytes', async () => {
    const [a, b] = await Promise.all([start(), start()])
    const leader = await leaderOf([a, b])
    const follower = leader === a ? b : a
    const onLeader = await client(leader)
    const onFollower = await client(follower)
    onLeader.send({ type: 'join_room', room: 'prices:BTC' })
    onFollower.send({ type: 'join_room', room: 'prices:BTC' })
    await onLeader.collect(8, ofType('price_update'))
    await onFollower.collect(8, ofType('price_update'))
    // Every seq the follower's client got, the leader's got byte for byte (one encoding, in Redis).
    const byText = new Map<number, string>()
    onLeader.raw.forEach((text, index) => {
      const message = onLeader.messages[index] as Message
      if (message.type === 'price_update') byText.set(seqOf(message), text)
    })
    const seen = onFollower.messages
      .map((message, index) => ({ message, text: onFollower.raw[index] as string }))
      .filter(({ message }) => message.type === 'price_update' && byText.has(seqOf(message)))
    expect(seen.length).toBeGreaterThanOrEqual(5)
    for (const { message, text } of seen) expect(text).toBe(byText.get(seqOf(message)))
    // seq increases by one per message in the room, whichever process serves it.
    const seqs = onFollower.messages.filter(ofType('price_update')).map(seqOf)
    for (let index = 1; index < seqs.length; index++) {
      expect(seqs[index]).toBe((seqs[index - 1] as number) + 1)
    }

    // Heartbeats register the nodes within a renew interval.
    const statuses = await eventually(async () => {
      const list = await Promise.all([leader.status(), follower.status()])
      const ready = list.every(
        (status) => status.cluster.nodes.length === 2 && status['status'] === 'ok',
      )
      return ready ? list : undefined
    }, 'both nodes to see each other and the feed')
    expect(statuses.map((status) => status.cluster.leader)).toEqual([true, false])
    for (const status of statuses) {
      expect(status.cluster).toMatchObject({
        leader_id: statuses[0].cluster.node_id,
        redis: 'connected',
      })
      expect([...status.cluster.nodes].sort()).toEqual(
        statuses.map((item) => item.cluster.node_id).sort(),
      )
      expect(status['status']).toBe('ok')
    }
    // The follower ingests nothing itself but reports the leader's feed.
    expect(statuses[1]['feeds']).toEqual([
      expect.objectContaining({ provider: 'mock', state: 'connected' }),
    ])
    expect((await fetch(`${follower.url}/health`)).status).toBe(200)
  })

  it('gives a client joining on another process the snapshot, and resumes with since across processes', async () => {
    const [a, b] = await Promise.all([start(), start()])
    const leader = await leaderOf([a, b])
    const follower = leader === a ? b : a
    const first = await client(leader)
    first.send({ type: 'join_room', room: 'prices' })
    await first.next(ofType('room_joined'))
    const before = await first.collect(6, ofType('price_update'))
    const last = seqOf(before[5] as Message)
    await first.close()

    const second = await client(follower)
    second.send({ type: 'join_room', room: 'prices', since: last })
    await second.next(ofType('room_joined'))
    const replayed = await second.collect(5, ofType('price_update'))
    expect(replayed.map(seqOf)).toEqual([last + 1, last + 2, last + 3, last + 4, last + 5])

    // A node started later loads history and latest state from Redis before serving.
    const late = await start()
    const third = await client(late)
    third.send({ type: 'join_room', room: 'prices' })
    await third.next(ofType('room_joined'))
    const snapshot = await third.collect(2, ofType('price_update'))
    expect(new Set(snapshot.map((m) => (m['data'] as { symbol: string }).symbol))).toEqual(
      new Set(['BTC', 'ETH']),
    )
    const fourth = await client(late)
    fourth.send({ type: 'join_room', room: 'prices', since: last })
    await fourth.next(ofType('room_joined'))
    expect(seqOf(await fourth.next(ofType('price_update')))).toBe(last + 1)
  })
})
