// What running several servers on Redis costs, same run, on a local Redis:
//
//   node bench/redis-hop.mjs [--redis redis://127.0.0.1:6379] [--rate 200] [--seconds 5] [--takeovers 3]
//
// 1. Latency from publish on the bus to receive by a WebSocket client (p50/p99), for one service
//    without Redis, and a two-node service on Redis: a client on the leader (bus → Redis → back)
//    and one on the follower. All three services run in this process (same event loop, same
//    load); the publish time rides in `volume_24h` with microsecond precision.
// 2. Backplane throughput: price events published as fast as the leader's bus takes them for
//    `seconds`; room messages/s read back from Redis by the follower (each price is two room
//    messages: `prices` and `prices:<SYMBOL>`).
// 3. Leader takeover after SIGKILL, default lease (5000 ms): two server processes
//    (src/test-support/cluster-node.mjs), a client on the follower, time from the kill to the
//    first price from the new leader.
// Run after `pnpm -F @crypto-analyzer/ws-server build`; imports ../dist. Keys use a throw-away prefix.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Decimal } from '@crypto-analyzer/core-events'
import { Redis } from 'ioredis'
import WebSocket from 'ws'
import { startService } from '../dist/index.js'

const arg = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index < 0 ? fallback : process.argv[index + 1]
}
const REDIS = arg('redis', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const RATE = Number(arg('rate', '200'))
const SECONDS = Number(arg('seconds', '5'))
const TAKEOVERS = Number(arg('takeovers', '3'))
const SYMBOLS = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK']

const now = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}
const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits
const prefix = `ca-bench-${process.pid}:`
const redis = new Redis(REDIS)

async function dropPrefix(p) {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await redis.del(...keys)
  } while (cursor !== '0')
}

async function status(service) {
  return (await fetch(`${service.url}/status`)).json()
}

function listen(url) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`)
  const latencies = []
  let counting = false
  ws.on('message', (data) => {
    const text = data.toString()
    if (!counting || !text.startsWith('{"type":"price_update"')) return
    const sent = Number(/"volume_24h":([\d.]+)/.exec(text)?.[1])
    if (sent > 1e12) latencies.push(now() - sent)
  })
  const opened = new Promise((resolve) => ws.once('open', resolve)).then(() =>
    ws.send(JSON.stringify({ type: 'join_room', room: 'prices' })),
  )
  return {
    opened,
    latencies,
    start() {
      counting = true
    },
    close: () => ws.close(),
  }
}

const update = (symbol) => ({
  symbol,
  price: new Decimal('50000.5'),
  change24h: new Decimal('10'),
  changePercent24h: new Decimal('0.02'),
  volume24h: new Decimal(now().toFixed(3)),
  timestamp: Date.now(),
  source: 'mock',
})

async function latencyAndThroughput(home) {
  const common = { port: 0, home, interval: 86_400_000, symbols: SYMBOLS }
  const single = await startService(common)
  const clusterOptions = { ...common, redisUrl: REDIS, redisPrefix: prefix, leaderLease: 2000 }
  const a = await startService({ ...clusterOptions, nodeId: 'bench-a' })
  const b = await startService({ ...clusterOptions, nodeId: 'bench-b' })
  let leader
  while (leader === undefined) {
    await sleep(100)
    if ((await status(a)).cluster.leader) leader = a
    else if ((await status(b)).cluster.leader) leader = b
  }
  const follower = leader === a ? b : a
  const clients = {
    'one process, no Redis': listen(single.url),
    'leader via Redis': listen(leader.url),
    'follower via Redis': listen(follower.url),
  }
  await Promise.all(Object.values(clients).map((client) => client.opened))
  await sleep(500)
  for (const client of Object.values(clients)) client.start()
  const end = Date.now() + SECONDS * 1000
  let index = 0
  while (Date.now() < end) {
    const symbol = SYMBOLS[index++ % SYMBOLS.length]
    // One update, same moment, to both: the single service's bus and the cluster leader's bus.
    single.bus.publishPriceUpdate(symbol, update(symbol))
    leader.bus.publishPriceUpdate(symbol, update(symbol))
    await sleep(1000 / RATE)
  }
  await sleep(500)
  const latency = {}
  for (const [name, client] of Object.entries(clients)) {
    latency[name] = {
      samples: client.latencies.length,
      p50_ms: round(percentile(client.latencies, 50), 3),
      p99_ms: round(percentile(client.latencies, 99), 3),
    }
    client.close()
  }

  // Throughput: as fast as the bus takes events, in slices that let the loop breathe.
  const before = (await status(follower)).cluster.received
  const started = now()
  const stopAt = Date.now() + SECONDS * 1000
  let offered = 0
  while (Date.now() < stopAt) {
    for (let i = 0; i < 200; i++) {
      const symbol = SYMBOLS[offered++ % SYMBOLS.length]
      leader.bus.publishPriceUpdate(symbol, update(symbol))
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  let received = before
  for (let settled = 0; settled < 5;) {
    await sleep(200)
    const next = (await status(follower)).cluster.received
    settled = next === received ? settled + 1 : 0
    received = next
  }
  const elapsed = (now() - started) / 1000
  const leaderStatus = (await status(leader)).cluster
  const throughput = {
    events_offered: offered,
    events_stored: leaderStatus.published,
    room_messages_read_by_follower: received - before,
    room_messages_per_second: Math.round((received - before) / elapsed),
    publish_errors: leaderStatus.publish_errors,
  }
  await Promise.all([single.close(), a.close(), b.close()])
  return { latency, throughput }
}

function node(home, p) {
  const script = new URL('../src/test-support/cluster-node.mjs', import.meta.url).pathname
  const child = spawn(process.execPath, [script], {
    env: {
      PATH: process.env.PATH,
      CRYPTO_ANALYZER_PORT: '0',
      CRYPTO_ANALYZER_HOME: home,
      CRYPTO_ANALYZER_REDIS_URL: REDIS,
      CRYPTO_ANALYZER_REDIS_PREFIX: p,
      CRYPTO_ANALYZER_MOCK_INTERVAL_MS: '20',
      CRYPTO_ANALYZER_SYMBOLS: 'BTC',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = new Promise((resolve) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /listening on (\S+)/.exec(out)
      if (match) resolve(match[1])
    })
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return { child, exited, url }
}

async function takeover(home, round_) {
  const p = `${prefix}takeover-${round_}:`
  const nodes = [node(home, p), node(home, p)]
  const urls = await Promise.all(nodes.map((n) => n.url))
  let leaderIndex = -1
  while (leaderIndex < 0) {
    await sleep(100)
    for (const [i, url] of urls.entries()) {
      if ((await status({ url })).cluster.leader) leaderIndex = i
    }
  }
  const followerUrl = urls[1 - leaderIndex]
  const ws = new WebSocket(`${followerUrl.replace('http', 'ws')}/ws`)
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send(JSON.stringify({ type: 'join_room', room: 'prices' }))
  await new Promise((resolve) => ws.once('message', resolve))
  await sleep(500)
  let killedAt = 0
  const first = new Promise((resolve) =>
    ws.on('message', (data) => {
      // The old leader's last stored prices arrive within milliseconds of the kill; the first
      // one after 300 ms of silence is the new leader's (prices come every 20 ms otherwise).
      const at = now()
      if (
        killedAt > 0 &&
        at - killedAt > 300 &&
        data.toString().startsWith('{"type":"price_update"')
      )
        resolve(at)
    }),
  )
  killedAt = now()
  nodes[leaderIndex].child.kill('SIGKILL')
  await nodes[leaderIndex].exited
  const at = await first
  ws.close()
  nodes[1 - leaderIndex].child.kill('SIGTERM')
  await nodes[1 - leaderIndex].exited
  await dropPrefix(p)
  return Math.round(at - killedAt)
}

const home = await mkdtemp(join(tmpdir(), 'ca-bench-redis-'))
try {
  const { latency, throughput } = await latencyAndThroughput(home)
  const takeovers = []
  for (let i = 0; i < TAKEOVERS; i++) takeovers.push(await takeover(home, i))
  const result = {
    node: process.version,
    rate_per_second: RATE,
    seconds: SECONDS,
    latency_publish_to_client: latency,
    backplane: throughput,
    takeover_after_sigkill_ms: { lease_ms: 5000, runs: takeovers },
  }
  console.log(JSON.stringify(result, null, 2))
} finally {
  await dropPrefix(prefix)
  await redis.quit()
  await rm(home, { recursive: true, force: true })
}
