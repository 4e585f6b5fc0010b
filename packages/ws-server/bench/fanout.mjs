// Fan-out benchmark: @crypto-analyzer/ws-server against a raw `ws` broadcast server, same run.
//
//   node bench/fanout.mjs [--clients 100,1000] [--rate 100] [--burst 1] [--seconds 5] [--rounds 3]
//
// Every variant gets N clients (in a child process) in the `prices` room and price updates at a
// fixed rate. Measured: delivered messages/s, server CPU per 1000 frames, and latency from publish to receive (p50/p99; the
// send time rides in `volume_24h` with microsecond precision, clocks are epoch-based
// `performance.timeOrigin + performance.now()` in both processes). Variants:
//   ws-server          prepared frames: one frame built per room message, one socket write per client
//   ws-server/send     the same server with `preparedFrames: false` (ws.send of the shared buffer)
//   raw-ws             a plain ws server: encode the JSON once, `ws.send(text)` to every client
// Then: RSS and heap per idle client (1000 clients joined to `prices`, no traffic).
// The machine is usually shared: latency and delivered rate swing with other load, so each
// variant runs `rounds` times interleaved and medians are reported; server CPU per frame is the
// steadiest figure.
// Run after `pnpm -F @crypto-analyzer/ws-server build`; imports ../dist.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { serve, upgradeWebSocket } from '@hono/node-server'
import { Hono } from 'hono'
import { Decimal, createEventBus, encodePriceUpdate } from '@crypto-analyzer/core-events'
import WebSocket, { WebSocketServer } from 'ws'
import { createWsServer } from '../dist/index.js'

const now = () => performance.timeOrigin + performance.now()

// --------------------------------------------------------------------------------------------
// Client process: N connections, latency samples from every message.

async function client() {
  const [url, count, join] = [process.argv[3], Number(process.argv[4]), process.argv[5] === 'join']
  const latencies = []
  let received = 0
  let counting = false
  const marker = Buffer.from('"volume_24h":')
  const sockets = []
  const onMessage = (data) => {
    if (!counting) return
    received++
    const at = data.indexOf(marker)
    if (at < 0) return
    const end = data.indexOf(44, at) // ','
    const sentMicros = Number(data.toString('latin1', at + marker.length, end))
    latencies.push(now() - sentMicros / 1000)
  }
  let opened = 0
  await new Promise((resolve, reject) => {
    const open = () => {
      if (sockets.length === count) return
      const ws = new WebSocket(url, { perMessageDeflate: false })
      sockets.push(ws)
      ws.on('error', reject)
      ws.on('message', onMessage)
      ws.on('open', () => {
        if (join) ws.send('{"type":"join_room","room":"prices"}')
        opened++
        if (opened === count) resolve()
        else open()
      })
    }
    // Open in waves of 50 so the listen backlog is never the limit.
    for (let index = 0; index < Math.min(50, count); index++) open()
  })
  process.send({ type: 'ready' })
  process.on('message', (message) => {
    if (message.type === 'start') {
      counting = true
      received = 0
      latencies.length = 0
    } else if (message.type === 'stop') {
      counting = false
      latencies.sort((a, b) => a - b)
      const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]
      process.send({ type: 'report', received, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) })
    } else if (message.type === 'exit') {
      for (const ws of sockets) ws.terminate()
      process.exit(0)
    }
  })
}

// --------------------------------------------------------------------------------------------
// Servers

function update(symbol, step) {
  return {
    symbol,
    price: new Decimal(50_000 + (step % 1000)).plus('0.12'),
    change24h: new Decimal('1000.5'),
    changePercent24h: new Decimal('2.5'),
    volume24h: new Decimal((now() * 1000).toFixed(0)), // send time, µs
    timestamp: Date.now(),
    source: 'mock',
  }
}

const SYMBOLS = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK']

async function listen(fetch, wss) {
  const http = serve({ fetch, port: 0, hostname: '127.0.0.1', websocket: { server: wss } })
  await once(http, 'listening')
  return http
}

async function startOurs(preparedFrames) {
  const bus = createEventBus({ historySize: 0 })
  bus.start()
  const server = createWsServer({
    bus,
    symbols: SYMBOLS,
    preparedFrames,
    maxConnectionsPerIp: 5000,
    processMetrics: false,
  })
  const http = await listen(server.app.fetch, server.wss)
  return {
    url: `ws://127.0.0.1:${http.address().port}/ws`,
    join: true,
    publish: (step) => {
      const symbol = SYMBOLS[step % SYMBOLS.length]
      bus.publishPriceUpdate(symbol, update(symbol, step))
    },
    clients: () => server.stats().clients,
    async stop() {
      await server.close()
      http.closeAllConnections()
      http.close()
      bus.stop()
    },
  }
}

async function startRaw() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  await once(wss, 'listening')
  let seq = 0
  return {
    url: `ws://127.0.0.1:${wss.address().port}/`,
    join: false,
    publish: (step) => {
      const symbol = SYMBOLS[step % SYMBOLS.length]
      seq++
      const text = encodePriceUpdate(update(symbol, step), { seq, sentAt: Date.now() })
      for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(text)
    },
    clients: () => wss.clients.size,
    async stop() {
      for (const ws of wss.clients) ws.terminate()
      await new Promise((resolve) => wss.close(resolve))
    },
  }
}

/** For the idle-memory figure only: @hono/node-server's upgradeWebSocket with empty handlers. */
async function startHonoOnly() {
  const app = new Hono()
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  let open = 0
  app.get(
    '/ws',
    upgradeWebSocket(() => ({
      onOpen() {
        open++
      },
      onClose() {
        open--
      },
    })),
  )
  const http = await listen(app.fetch, wss)
  return {
    url: `ws://127.0.0.1:${http.address().port}/ws`,
    join: true,
    publish: () => undefined,
    clients: () => open,
    async stop() {
      for (const ws of wss.clients) ws.terminate()
      http.closeAllConnections()
      http.close()
    },
  }
}

const VARIANTS = {
  'ws-server': () => startOurs(true),
  'ws-server/send': () => startOurs(false),
  'raw-ws': () => startRaw(),
}

// --------------------------------------------------------------------------------------------
// Runs

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`)
  return index < 0 ? fallback : process.argv[index + 1]
}

async function request(child, type, expect) {
  child.send({ type })
  if (expect === undefined) return undefined
  for (;;) {
    const [message] = await once(child, 'message')
    if (message.type === expect) return message
  }
}

async function run(variant, clients, rate, seconds, burst) {
  const server = await VARIANTS[variant]()
  const child = fork(
    new URL(import.meta.url),
    ['--client', server.url, String(clients), server.join ? 'join' : 'nojoin'],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  for (;;) {
    const [message] = await once(child, 'message')
    if (message.type === 'ready') break
  }
  // Let the joins land before measuring.
  const deadline = Date.now() + 10_000
  while (server.clients() < clients && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20))
  await new Promise((r) => setTimeout(r, 300))
  let step = 0
  const interval = (1000 / rate) * burst
  // A fixed schedule: publish whatever is due, never catching up in bursts of more than 10.
  const publishFor = (ms) =>
    new Promise((resolve) => {
      const started = performance.now()
      let sent = 0
      let ticks = 0
      const tick = () => {
        const elapsed = performance.now() - started
        const due = Math.min(Math.floor(elapsed / interval) + 1 - ticks, 10)
        ticks += due
        for (let index = 0; index < due; index++) {
          // `burst` updates in one go, like a feed publishing every symbol on the same tick.
          for (let item = 0; item < burst; item++) server.publish(step++)
          sent += burst
        }
        if (elapsed >= ms) resolve(sent)
        else setTimeout(tick, Math.max(0, interval - (elapsed % interval)))
      }
      tick()
    })
  await publishFor(1000) // warm-up, not measured
  await new Promise((r) => setTimeout(r, 200))
  await request(child, 'start')
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const published = await publishFor(seconds * 1000)
  const cpu = process.cpuUsage(cpuBefore)
  const duration = (performance.now() - started) / 1000
  await new Promise((r) => setTimeout(r, 500)) // drain in-flight messages
  const report = await request(child, 'stop', 'report')
  await request(child, 'exit')
  await once(child, 'exit')
  await server.stop()
  return {
    variant,
    clients,
    published,
    expected: published * clients,
    received: report.received,
    deliveredPerSecond: report.received / duration,
    // Server process CPU (publisher + fan-out) per 1000 frames it wrote.
    cpuPer1000: ((cpu.user + cpu.system) / 1000 / (published * clients)) * 1000,
    p50: report.p50,
    p99: report.p99,
    max: report.max,
  }
}

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc')

async function idleMemory(variant, clients) {
  gc()
  gc()
  await new Promise((r) => setTimeout(r, 100))
  const before = process.memoryUsage()
  const server = await (variant === 'hono-upgrade-only' ? startHonoOnly() : VARIANTS[variant]())
  const child = fork(
    new URL(import.meta.url),
    ['--client', server.url, String(clients), server.join ? 'join' : 'nojoin'],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  for (;;) {
    const [message] = await once(child, 'message')
    if (message.type === 'ready') break
  }
  while (server.clients() < clients) await new Promise((r) => setTimeout(r, 20))
  await new Promise((r) => setTimeout(r, 500))
  gc()
  gc()
  await new Promise((r) => setTimeout(r, 100))
  const after = process.memoryUsage()
  await request(child, 'exit')
  await once(child, 'exit')
  await server.stop()
  return {
    variant,
    clients,
    rssPerClient: (after.rss - before.rss) / clients,
    heapPerClient: (after.heapUsed - before.heapUsed) / clients,
  }
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`
const ms = (value) => `${value.toFixed(2)} ms`

async function main() {
  const clientCounts = option('clients', '100,1000').split(',').map(Number)
  const rate = Number(option('rate', '100'))
  const seconds = Number(option('seconds', '5'))
  const rounds = Number(option('rounds', '3'))
  const burst = Number(option('burst', '1'))
  const names = Object.keys(VARIANTS)
  console.log(
    `fan-out: ${rate} price updates/s (${burst} per tick) for ${seconds} s, clients ${clientCounts.join(' and ')}, ${rounds} rounds (variants interleaved, order rotated)`,
  )
  const results = []
  for (const clients of clientCounts) {
    for (let round = 0; round < rounds; round++) {
      const order = names.map((_, index) => names[(index + round) % names.length])
      for (const variant of order) {
        const result = await run(variant, clients, rate, seconds, burst)
        results.push(result)
        console.log(
          `  ${String(clients).padStart(4)} clients  ${variant.padEnd(15)} delivered ${result.deliveredPerSecond.toFixed(0).padStart(7)}/s ` +
            `(${result.received}/${result.expected})  cpu ${result.cpuPer1000.toFixed(2)} ms/1k  p50 ${ms(result.p50)}  p99 ${ms(result.p99)}  max ${ms(result.max)}`,
        )
      }
    }
  }
  console.log('\nmedians over rounds:')
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  for (const clients of clientCounts) {
    const base = results.filter((r) => r.clients === clients && r.variant === 'raw-ws')
    const baseP99 = median(base.map((r) => r.p99))
    const baseCpu = median(base.map((r) => r.cpuPer1000))
    for (const variant of names) {
      const rows = results.filter((r) => r.clients === clients && r.variant === variant)
      const p50 = median(rows.map((r) => r.p50))
      const p99 = median(rows.map((r) => r.p99))
      const rate = median(rows.map((r) => r.deliveredPerSecond))
      const loss = 1 - median(rows.map((r) => r.received / r.expected))
      const cpu = median(rows.map((r) => r.cpuPer1000))
      console.log(
        `  ${String(clients).padStart(4)} clients  ${variant.padEnd(15)} ${rate.toFixed(0).padStart(7)} msg/s  ` +
          `server cpu ${cpu.toFixed(2)} ms/1k frames (×${(cpu / baseCpu).toFixed(2)} raw-ws)  ` +
          `p50 ${ms(p50)}  p99 ${ms(p99)} (×${(p99 / baseP99).toFixed(2)} raw-ws)  undelivered ${(loss * 100).toFixed(2)} %`,
      )
    }
  }
  console.log('\nidle clients (joined to prices, no traffic), server process:')
  for (const variant of ['ws-server', 'hono-upgrade-only', 'raw-ws']) {
    const memory = await idleMemory(variant, 1000)
    console.log(
      `  ${variant.padEnd(15)} RSS ${kib(memory.rssPerClient)} / client, heap ${kib(memory.heapPerClient)} / client`,
    )
  }
}

if (process.argv[2] === '--client') await client()
else await main()
