import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeMessage, encodePriceData } from '@crypto-analyzer/core-events'
import { eventually } from '@crypto-analyzer/test-support'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  REDIS_URL,
  dropPrefix,
  killConnections,
  startRedisProxy,
  redisAvailable,
  startNode,
  uniquePrefix,
} from './test-support/cluster.js'
import type { ClusterDoc, NodeProcess } from './test-support/cluster.js'
import { createRedisStateStore, startService } from './index.js'
import type { RunningService } from './index.js'
import { TEST_START, connect, ofType, price } from './test-support/harness.js'
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
const services: RunningService[] = []
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
  await Promise.all(services.splice(0).map((service) => service.close()))
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

  it('takes over within a few seconds when the leader is killed with SIGKILL, seq going on by one', async () => {
    const [a, b] = await Promise.all([start(), start()])
    const leader = await leaderOf([a, b])
    const follower = leader === a ? b : a
    const watcher = await client(follower)
    watcher.send({ type: 'join_room', room: 'prices:BTC' })
    await watcher.collect(3, ofType('price_update'))
    leader.child.kill('SIGKILL')
    const killedAt = Date.now()
    await leader.exited
    const count = watcher.messages.filter(ofType('price_update')).length
    // Prices stop, then resume from the new leader (the follower) within lease + renew + start.
    await watcher.collect(count + 3, ofType('price_update'))
    const takeover = Date.now() - killedAt
    expect((await follower.status()).cluster.leader).toBe(true)
    expect(takeover).toBeLessThan(15_000) // lease 2 s; generous for a loaded machine
    console.info(`leader takeover after SIGKILL: ${takeover} ms (lease 2000 ms)`)
    const seqs = watcher.messages.filter(ofType('price_update')).map(seqOf)
    for (let index = 1; index < seqs.length; index++) {
      expect(seqs[index]).toBe((seqs[index - 1] as number) + 1)
    }
  })

  it('picks up an alert saved in Redis while running and fires it once across the service, even when a new leader re-evaluates it', async () => {
    const list = await Promise.all([start(), start(), start()])
    const leader = await leaderOf(list)
    const others = list.filter((node) => node !== leader)
    const watchers = await Promise.all(others.map((node) => client(node)))
    for (const watcher of watchers) {
      watcher.send({ type: 'join_room', room: 'alerts' })
      await watcher.next(ofType('room_joined'))
    }
    // Saved as the CLI saves it with CRYPTO_ANALYZER_REDIS_URL: no restart, no file.
    const store = createRedisStateStore({ url: REDIS_URL, prefix })
    await store.updateAlerts(() => [
      { id: 'once', symbol: 'BTC', condition: 'price > 0', message: 'BTC trades' },
    ])
    await store.quit()
    for (const watcher of watchers) {
      expect(await watcher.next(ofType('alert_triggered'))).toMatchObject({ data: { id: 'once' } })
    }
    expect(existsSync(join(home, 'alerts.json'))).toBe(false)
    // The next leader's engine starts armed and sees "price > 0" hold again: its firing is
    // refused by the claim the first leader holds in Redis.
    leader.child.kill('SIGKILL')
    await leader.exited
    const next = await leaderOf(others)
    await eventually(
      async () =>
        (await next.status()).cluster.duplicate_alerts_suppressed === 1 ? true : undefined,
      'the new leader to have its duplicate refused',
    )
    for (const watcher of watchers) {
      watcher.send({ type: 'ping' })
      await watcher.next(ofType('pong'))
      expect(watcher.messages.filter(ofType('alert_triggered'))).toHaveLength(1)
    }
    // A client joining now gets that one firing as the room's state.
    const late = await client(next)
    late.send({ type: 'join_room', room: 'alerts' })
    await late.next(ofType('room_joined'))
    expect(await late.next(ofType('alert_triggered'))).toMatchObject({ data: { id: 'once' } })
  })

  it('recovers without a restart when Redis drops every connection (CLIENT KILL)', async () => {
    const [a, b] = await Promise.all([start(), start()])
    const leader = await leaderOf([a, b])
    const follower = leader === a ? b : a
    const watcher = await client(follower)
    watcher.send({ type: 'join_room', room: 'prices' })
    await watcher.collect(3, ofType('price_update'))
    expect(await killConnections(redis, prefix)).toBeGreaterThanOrEqual(4)
    const count = watcher.messages.filter(ofType('price_update')).length
    await watcher.collect(count + 10, ofType('price_update'))
    await eventually(
      async () => ((await follower.status()).cluster.redis === 'connected' ? true : undefined),
      'the follower to reconnect',
    )
    // seq is assigned in Redis only for what was stored: no gap, no repeat.
    const seqs = watcher.messages.filter(ofType('price_update')).map(seqOf)
    for (let index = 1; index < seqs.length; index++) {
      expect(seqs[index]).toBe((seqs[index - 1] as number) + 1)
    }
  })

  it('serves the last state while Redis is away, reports degraded, and recovers when it is back', async () => {
    const proxy = await startRedisProxy(REDIS_URL)
    try {
      const node = await start({ CRYPTO_ANALYZER_REDIS_URL: proxy.url })
      await leaderOf([node])
      const watcher = await client(node)
      watcher.send({ type: 'join_room', room: 'prices' })
      await watcher.collect(3, ofType('price_update'))

      await proxy.stop() // Redis unreachable: connections cut, new ones refused
      await eventually(
        async () => ((await fetch(`${node.url}/health`)).status === 503 ? true : undefined),
        '/health to report Redis unreachable',
      )
      const status = await node.status()
      expect(status['status']).toBe('degraded')
      expect(status.cluster.redis).not.toBe('connected')
      // Clients keep the last state: a new one still gets the snapshot.
      const fresh = await client(node)
      fresh.send({ type: 'join_room', room: 'prices' })
      await fresh.next(ofType('room_joined'))
      await fresh.collect(2, ofType('price_update'))

      await proxy.restart()
      await eventually(
        async () => ((await fetch(`${node.url}/health`)).status === 200 ? true : undefined),
        '/health to recover',
      )
      const count = watcher.messages.filter(ofType('price_update')).length
      await watcher.collect(count + 3, ofType('price_update'))
      expect(node.child.exitCode).toBeNull()
    } finally {
      await proxy.stop()
    }
  })
})

describe.runIf(available)('a node reading the service state from Redis', () => {
  const provider = {
    provider: 'binance',
    primary: true,
    state: 'connected',
    symbols: ['BTC'],
    messagesReceived: 3,
    uptimeSeconds: 1,
    reconnects: 0,
    droppedFrames: 0,
    lastMessageAt: Date.now(),
    staleAfter: 60_000,
  }
  const btc = encodePriceData(price('BTC', '65000.5'))
  /** A `prices` room message stored as the leader's PUBLISH script stores it. */
  const stored = (seq: number, change: Record<string, string> = {}): Record<string, string> => ({
    s: String(seq),
    c: 'price_update',
    k: 'BTC',
    t: String(TEST_START + seq),
    d: btc,
    ...change,
  })
  const frame = (seq: number): string =>
    encodeMessage('price_update', btc, { seq, sentAt: TEST_START + seq })

  it('drops and counts invalid stream entries, latest-state values and feeds, and serves the good ones', async () => {
    // Another node holds the lease: this one only follows.
    await redis.set(`${prefix}leader`, 'elsewhere', 'PX', 60_000)
    await redis.set(`${prefix}feeds`, JSON.stringify([provider, { ...provider, state: 'lost' }]))
    const stream = `${prefix}room:prices:stream`
    await redis.xadd(stream, '*', ...Object.entries(stored(1)).flat())
    await redis.hset(`${prefix}room:prices:latest`, {
      BTC: JSON.stringify(stored(1)),
      ETH: '{"s":"2","c":"price_update"',
      ADA: JSON.stringify(stored(3, { t: 'soon' })),
    })
    const service = await startService({
      port: 0,
      redisUrl: REDIS_URL,
      redisPrefix: prefix,
      nodeId: 'follower',
      leaderLease: 2000,
      symbols: ['BTC', 'ETH', 'ADA'],
    })
    services.push(service)
    const status = async (): Promise<ClusterDoc & { invalid_entries: number }> =>
      (
        (await (await fetch(`${service.url}/status`)).json()) as {
          cluster: ClusterDoc & { invalid_entries: number }
        }
      ).cluster
    const watcher = await connect(`${service.url.replace('http', 'ws')}/ws`)
    clients.push(watcher)
    watcher.send({ type: 'join_room', room: 'prices' })
    await watcher.next(ofType('room_joined'))
    await watcher.next(ofType('price_update'))

    const bad: Record<string, string>[] = [
      stored(2, { s: '0' }),
      stored(2, { s: 'two' }),
      stored(2, { c: 'feed_status' }),
      stored(2, { c: 'price' }),
      stored(2, { t: '-1' }),
      stored(2, { d: '{"symbol":"BTC"}' }),
      { s: '2', c: 'price_update', t: String(TEST_START), d: btc },
    ]
    for (const fields of bad) await redis.xadd(stream, '*', ...Object.entries(fields).flat())
    await redis.xadd(stream, '*', ...Object.entries(stored(2)).flat())
    await watcher.next(ofType('price_update'))

    // The client got the snapshot and the good entry, byte for byte as the hub frames them.
    expect(watcher.raw.filter((text) => text.includes('"price_update"'))).toEqual([
      frame(1),
      frame(2),
    ])
    const cluster = await eventually(async () => {
      const current = await status()
      return current.nodes.includes('follower') ? current : undefined
    }, 'a heartbeat')
    // 2 latest-state values + 7 stream entries + 1 feed provider.
    expect(cluster).toMatchObject({ leader: false, leader_id: 'elsewhere', invalid_entries: 10 })
    const document = (await (await fetch(`${service.url}/status`)).json()) as {
      feeds: { provider: string; state: string }[]
    }
    expect(document.feeds).toEqual([
      expect.objectContaining({ provider: 'binance', state: 'connected' }),
    ])
  })
})

describe('startService with Redis options', () => {
  it.each([
    [{ redisUrl: 'http://127.0.0.1:6379' }, /is not a redis:\/\/ or rediss:\/\/ URL/],
    [{ redisUrl: 'redis://127.0.0.1:6379', redisPrefix: 'has space' }, /redis prefix/],
    [{ redisUrl: 'redis://127.0.0.1:6379', nodeId: 'a/b' }, /node id "a\/b"/],
    [{ redisUrl: 'redis://127.0.0.1:6379', leaderLease: 10 }, /leader lease must be 500/],
  ])('rejects %j before opening anything', async (options, message) => {
    await expect(startService({ port: 0, home, ...options })).rejects.toThrow(message)
  })
})
