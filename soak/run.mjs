#!/usr/bin/env node
// pnpm soak [--duration <s>] [--clients <n>] [--stalled <n>] [--out <file>]
//
// Runs the deployable server (apps/server/dist/main.js, Binance primary, Coinbase fallback) in a
// child process against the fake exchanges of this process, which flap every few seconds, with
// <clients> WebSocket clients joining and leaving and <stalled> clients that never read. Every
// 10 s it samples the server's RSS, heap, handles, open file descriptors, event-loop delay and the
// messages delivered. It fails (exit 1) when memory or handles grow without bound, a client
// misses data beyond the allowed gap, a symbol's time goes back, or the server dies. Not in CI:
// the default run takes 10 minutes. Prints a Markdown summary (and writes it to --out).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { connect } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// The soak drives the server app: resolve what it needs from apps/server's dependencies.
const fromServer = createRequire(join(root, 'apps/server/package.json'))
const { default: WebSocket } = await import(pathToFileURL(fromServer.resolve('ws')).href)
const { startFakeBinance, startFakeCoinbase } = await import(
  pathToFileURL(fromServer.resolve('@crypto-analyzer/fake-exchanges')).href
)

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: pnpm soak [--duration <seconds>] [--clients <n>] [--stalled <n>] [--out <file>]
  e.g. pnpm soak --duration 60 --clients 100`

function option(name, fallback, { min = 1, max = 86_400 } = {}) {
  const index = process.argv.indexOf(`--${name}`)
  if (index < 0) return fallback
  const text = process.argv[index + 1] ?? ''
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) {
    process.stderr.write(`--${name} must be an integer from ${min} to ${max}\n${USAGE}\n`)
    process.exit(2)
  }
  return value
}

for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('--') && !['--duration', '--clients', '--stalled', '--out'].includes(arg)) {
    process.stderr.write(`unknown option ${arg}\n${USAGE}\n`)
    process.exit(2)
  }
}
const DURATION = option('duration', 600) * 1000
const CLIENTS = option('clients', 500, { max: 900 })
const STALLED = option('stalled', 20, { min: 0, max: 90 })
const outIndex = process.argv.indexOf('--out')
const OUT = outIndex >= 0 ? process.argv[outIndex + 1] : undefined

const SYMBOLS = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK']
/** Exchange ticker period per symbol (the real exchanges send one a second). */
const TICK = 500
const SAMPLE_EVERY = 10_000
/** The server's defaults: a symbol is stale after 30 s without updates (then fails over). */
const STALE_AFTER = 30_000
/** Stale window plus reconnect time plus room for a busy machine. */
const ALLOWED_GAP = STALE_AFTER + 10_000
/** Clients that leave (and as many that join) per second. */
const CHURN_PER_SECOND = Math.max(1, Math.round(CLIENTS / 100))
/** The per-IP connection limit is 100: clients come from 127.0.0.2, .3, ... */
const PER_ADDRESS = 90

const log = (line) => process.stdout.write(`${line}\n`)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const mib = (bytes) => (bytes / 1048576).toFixed(1)

// ---------------------------------------------------------------------------------------------
// Fake exchanges and the server

const binance = await startFakeBinance({ tickInterval: TICK, seed: 1 })
const coinbase = await startFakeCoinbase({ tickInterval: TICK, seed: 2 })
const home = mkdtempSync(join(tmpdir(), 'ca-soak-'))

const serverLog = []
const child = spawn(process.execPath, [join(root, 'apps/server/dist/main.js')], {
  env: {
    PATH: process.env.PATH ?? '',
    CRYPTO_ANALYZER_HOST: '127.0.0.1',
    CRYPTO_ANALYZER_PORT: '0',
    CRYPTO_ANALYZER_PROVIDER: 'binance',
    CRYPTO_ANALYZER_FALLBACK: 'coinbase',
    CRYPTO_ANALYZER_SYMBOLS: SYMBOLS.join(','),
    CRYPTO_ANALYZER_BINANCE_URL: binance.url,
    CRYPTO_ANALYZER_COINBASE_URL: coinbase.url,
    CRYPTO_ANALYZER_HOME: home,
    CRYPTO_ANALYZER_LOG_LEVEL: 'info',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
})
let serverExit
child.once('exit', (code, signal) => {
  serverExit = { code, signal }
})
const serverUrl = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the server did not start in 30 s')), 30_000)
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue
      serverLog.push(line)
      if (serverLog.length > 200) serverLog.shift()
      const match = /listening on (http:\/\/[^\s"]+)/.exec(line)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
  })
  child.once('exit', () => reject(new Error(`the server exited:\n${serverLog.join('\n')}`)))
})
const port = Number(new URL(serverUrl).port)
const wsUrl = `ws://127.0.0.1:${port}/ws`

async function metrics() {
  const text = await (await fetch(`${serverUrl}/metrics`)).text()
  const values = new Map()
  for (const line of text.split('\n')) {
    const match = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line)
    if (match !== null) values.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]))
  }
  return values
}

function procFigures() {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
    const fds = readdirSync(`/proc/${child.pid}/fd`).length
    return { rss, fds }
  } catch {
    return { rss: undefined, fds: undefined }
  }
}

async function feedStates() {
  const status = await (await fetch(`${serverUrl}/status`)).json()
  return Object.fromEntries(status.feeds.map((feed) => [feed.provider, feed.state]))
}

// ---------------------------------------------------------------------------------------------
// Clients

let nextClient = 0
const clients = new Set()
const totals = {
  joined: 0,
  left: 0,
  delivered: 0,
  worstGap: { ms: 0, symbol: '', client: -1 },
  backwards: [],
  duplicates: 0,
  seqBackwards: 0,
  seqGaps: 0,
  failedConnects: 0,
  cutByServer: 0,
}

// Live clients per loopback address (127.0.0.2 to .98; stalled ones use .99).
const perAddress = new Map()
function takeAddress() {
  for (let host = 2; host <= 98; host++) {
    const address = `127.0.0.${host}`
    const count = perAddress.get(address) ?? 0
    if (count < PER_ADDRESS) {
      perAddress.set(address, count + 1)
      return address
    }
  }
  throw new Error('no loopback address left under the per-IP limit')
}
function releaseAddress(address) {
  perAddress.set(address, (perAddress.get(address) ?? 1) - 1)
}

function addClient() {
  const id = nextClient++
  // Most watch everything; some one symbol; some also the feed health.
  const kind = id % 10 === 0 ? 'symbol' : id % 10 === 1 ? 'status' : 'prices'
  const symbol = SYMBOLS[id % SYMBOLS.length]
  const rooms =
    kind === 'symbol' ? [`prices:${symbol}`] : kind === 'status' ? ['prices', 'status'] : ['prices']
  const watched = kind === 'symbol' ? [symbol] : SYMBOLS
  const address = takeAddress()
  const ws = new WebSocket(wsUrl, { localAddress: address })
  const client = {
    id,
    ws,
    watched,
    openedAt: undefined,
    prices: 0,
    last: new Map(),
    lastTime: new Map(),
    lastText: new Map(),
    lastSeq: undefined,
    leaving: false,
  }
  clients.add(client)
  ws.on('open', () => {
    client.openedAt = Date.now()
    totals.joined++
    for (const room of rooms) ws.send(JSON.stringify({ type: 'join_room', room }))
  })
  ws.on('message', (raw) => {
    const text = raw.toString()
    if (!text.startsWith('{"type":"price_update"')) return
    const message = JSON.parse(text)
    const now = Date.now()
    totals.delivered++
    client.prices++
    const sym = message.data.symbol
    const previous = client.last.get(sym)
    if (previous !== undefined) {
      const gap = now - previous
      if (gap > totals.worstGap.ms) totals.worstGap = { ms: gap, symbol: sym, client: id }
    }
    client.last.set(sym, now)
    const time = Date.parse(message.data.timestamp)
    const lastTime = client.lastTime.get(sym)
    if (lastTime !== undefined && time < lastTime && totals.backwards.length < 10) {
      totals.backwards.push(
        `${sym} ${new Date(lastTime).toISOString()} → ${message.data.timestamp} (${message.data.source})`,
      )
    }
    client.lastTime.set(sym, time)
    const data = JSON.stringify(message.data)
    if (client.lastText.get(sym) === data) totals.duplicates++
    client.lastText.set(sym, data)
    // The join snapshot (the latest price of each symbol) skips seqs: check from the next one.
    if (kind !== 'symbol' && message.seq !== undefined && client.prices > SYMBOLS.length) {
      if (client.lastSeq !== undefined && message.seq <= client.lastSeq) totals.seqBackwards++
      else if (client.lastSeq !== undefined && message.seq !== client.lastSeq + 1) totals.seqGaps++
      client.lastSeq = message.seq
    }
  })
  ws.on('error', () => {
    if (client.openedAt === undefined && !client.leaving) totals.failedConnects++
  })
  ws.on('close', () => {
    clients.delete(client)
    releaseAddress(address)
    if (!client.leaving) totals.cutByServer++
  })
  return client
}

/** The longest silence so far of a client that is still connected counts too. */
function checkSilence(client, now) {
  for (const symbol of client.watched) {
    const last = client.last.get(symbol) ?? client.openedAt
    if (last === undefined) continue
    const gap = now - last
    if (gap > totals.worstGap.ms) totals.worstGap = { ms: gap, symbol, client: client.id }
  }
}

function removeClient(client) {
  checkSilence(client, Date.now())
  client.leaving = true
  if (client.openedAt !== undefined) totals.left++
  if (client.id % 2 === 0) client.ws.close()
  else client.ws.terminate()
}

// Stalled clients: handshake, join `prices`, then never read a byte (so never answer a ping
// either). Half of them are replaced every 30 s: the server must release what they held. The
// other half every 90 s: the server's heartbeat (a ping every 30 s, cut when unanswered by the
// next) must cut them first.
let stalled = []
let kept = []
function upgradeRequest() {
  return (
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  )
}
function maskedFrame(text) {
  const payload = Buffer.from(text)
  const mask = randomBytes(4)
  const masked = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]))
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked])
}
function stalledSocket() {
  const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.99' }, () => {
    socket.write(upgradeRequest())
    socket.write(maskedFrame('{"type":"join_room","room":"prices"}'))
    socket.pause()
  })
  socket.on('error', () => undefined)
  return socket
}
function renewStalled() {
  for (const socket of stalled) socket.destroy()
  stalled = Array.from({ length: STALLED - Math.ceil(STALLED / 2) }, stalledSocket)
}

// ---------------------------------------------------------------------------------------------
// Flapping: every 3 to 7 s one exchange misbehaves, but only while both are connected, so a
// healthy fallback always exists (what the promise of no gap beyond stale + reconnect is about).

const flaps = new Map()
let flapping = true
let pendingHeal

async function flapLoop() {
  while (flapping) {
    await sleep(3000 + Math.random() * 4000)
    if (!flapping) break
    let states
    try {
      states = await feedStates()
    } catch {
      continue
    }
    const up = (state) => state === 'connected' || state === 'failed_over'
    if (pendingHeal !== undefined || !up(states.binance) || !up(states.coinbase)) continue
    const exchange = Math.random() < 0.6 ? binance : coinbase
    const name = exchange === binance ? 'binance' : 'coinbase'
    const actions = [
      ['abrupt close', () => exchange.closeAll()],
      ['close 1008', () => exchange.closeAll(1008, 'Too many requests')],
      ['restart, 2 s down', () => void exchange.restart({ downtime: 2000 })],
      [
        'stall 4 s',
        () => {
          exchange.stall()
          return () => exchange.resume()
        },
      ],
      [
        'data stops 4 s',
        () => {
          exchange.pingOnly(true)
          return () => exchange.pingOnly(false)
        },
      ],
      // Longer than the 30 s stale window: detected, failed over, reconnected.
      [
        'stall 35 s',
        () => {
          exchange.stall()
          return () => exchange.resume()
        },
      ],
      [
        'data stops 35 s',
        () => {
          exchange.pingOnly(true)
          return () => exchange.pingOnly(false)
        },
      ],
      ...(exchange === binance ? [['serverShutdown', () => binance.serverShutdown()]] : []),
      [
        'burst of 3,000 frames',
        () => {
          for (let index = 0; index < 3000; index++) {
            if (exchange === binance) binance.emitTicker('btcusdt@ticker')
            else coinbase.emitTicker('BTC-USD')
          }
        },
      ],
    ]
    const [what, act] = actions[Math.floor(Math.random() * actions.length)]
    const key = `${name}: ${what}`
    flaps.set(key, (flaps.get(key) ?? 0) + 1)
    const heal = act()
    if (typeof heal === 'function') {
      pendingHeal = () => {
        pendingHeal = undefined
        try {
          heal()
        } catch {
          // The exchange was closed at the end of the run.
        }
      }
      await sleep(what.endsWith('35 s') ? 35_000 : 4000)
      pendingHeal?.()
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Run

const samples = []
const startedAt = Date.now()
let deliveredAtLastSample = 0

async function sample(phase) {
  const values = await metrics()
  const proc = procFigures()
  const delivered = totals.delivered - deliveredAtLastSample
  deliveredAtLastSample = totals.delivered
  const row = {
    t: Math.round((Date.now() - startedAt) / 1000),
    phase,
    rss: values.get('process_resident_memory_bytes') ?? proc.rss ?? 0,
    heap: values.get('nodejs_heap_size_used_bytes') ?? 0,
    external: values.get('nodejs_external_memory_bytes') ?? 0,
    handles: values.get('nodejs_active_handles_total') ?? 0,
    fds: proc.fds ?? 0,
    lagP99: Math.round((values.get('nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000),
    clients: values.get('crypto_analyzer_ws_clients') ?? 0,
    sent: values.get('crypto_analyzer_ws_messages_sent_total{type="price_update"}') ?? 0,
    delivered,
    conflated: values.get('crypto_analyzer_ws_conflated_messages_total') ?? 0,
    cutSlow:
      (values.get('crypto_analyzer_ws_closed_connections_total{reason="stuck"}') ?? 0) +
      (values.get('crypto_analyzer_ws_closed_connections_total{reason="hard_limit"}') ?? 0),
    cutNoPong:
      values.get('crypto_analyzer_ws_closed_connections_total{reason="heartbeat_timeout"}') ?? 0,
    maxBuffered: values.get('crypto_analyzer_ws_max_buffered_bytes') ?? 0,
    load: loadavg()[0].toFixed(1),
  }
  samples.push(row)
  log(
    `${String(row.t).padStart(4)} s ${phase.padEnd(7)} rss ${mib(row.rss)} MiB, heap ${mib(row.heap)} MiB, ` +
      `handles ${row.handles}, fds ${row.fds}, loop p99 ${row.lagP99} ms, clients ${row.clients}, ` +
      `delivered ${row.delivered}/10 s, load ${row.load}`,
  )
  return row
}

let failure
const fail = (why) => {
  failure ??= why
}

let exitCode = 0
try {
  await sleep(2000)
  const baseline = await sample('idle')
  log(
    `soak: ${DURATION / 1000} s, ${CLIENTS} clients (${CHURN_PER_SECOND}/s churn), ${STALLED} stalled, server ${serverUrl}`,
  )

  for (let index = 0; index < CLIENTS; index++) {
    addClient()
    if (index % 50 === 49) await sleep(100)
  }
  renewStalled()
  const renewKept = () => {
    for (const socket of kept) socket.destroy()
    kept = Array.from({ length: Math.ceil(STALLED / 2) }, stalledSocket)
  }
  renewKept()
  const rekeep = setInterval(renewKept, 90_000)
  void flapLoop()

  const churn = setInterval(() => {
    const list = [...clients].filter(
      (client) => !client.leaving && client.ws.readyState === WebSocket.OPEN,
    )
    for (let index = 0; index < CHURN_PER_SECOND && list.length > 0; index++) {
      const [client] = list.splice(Math.floor(Math.random() * list.length), 1)
      removeClient(client)
      addClient()
    }
    const now = Date.now()
    for (const client of clients) checkSilence(client, now)
  }, 1000)
  const restall = setInterval(renewStalled, 30_000)

  while (Date.now() - startedAt < DURATION && failure === undefined) {
    await sleep(SAMPLE_EVERY)
    if (serverExit !== undefined) fail(`the server exited (${JSON.stringify(serverExit)})`)
    else {
      const row = await sample('running')
      if (row.delivered === 0) fail('no message delivered for 10 s')
    }
    if (totals.worstGap.ms > ALLOWED_GAP) {
      fail(
        `client ${totals.worstGap.client} got no ${totals.worstGap.symbol} for ${totals.worstGap.ms} ms (allowed ${ALLOWED_GAP})`,
      )
    }
  }

  clearInterval(churn)
  clearInterval(restall)
  clearInterval(rekeep)
  flapping = false
  pendingHeal?.()
  // Everyone leaves; the server must come back to its idle figures.
  for (const client of [...clients]) removeClient(client)
  for (const socket of [...stalled, ...kept]) socket.destroy()
  await sleep(5000)
  const end = await sample('idle')

  // ---- verdicts
  const running = samples.filter((row) => row.phase === 'running')
  const steady = running.slice(Math.floor(running.length / 3))
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
  const third = Math.max(1, Math.floor(steady.length / 3))
  const early = steady.slice(0, third)
  const late = steady.slice(-third)
  const rssGrowth = median(late.map((row) => row.rss)) - median(early.map((row) => row.rss))
  const heapGrowth = median(late.map((row) => row.heap)) - median(early.map((row) => row.heap))
  const externalGrowth =
    median(late.map((row) => row.external)) - median(early.map((row) => row.external))
  const handleGrowth =
    median(late.map((row) => row.handles)) - median(early.map((row) => row.handles))
  if (running.length >= 6) {
    if (rssGrowth > 64 * 1048576)
      fail(`RSS grew ${mib(rssGrowth)} MiB over the steady part of the run`)
    if (heapGrowth > 48 * 1048576)
      fail(`heap grew ${mib(heapGrowth)} MiB over the steady part of the run`)
    if (handleGrowth > 50) fail(`handles grew by ${handleGrowth} over the steady part of the run`)
  }
  if (end.clients !== 0) fail(`${end.clients} clients still open after everyone left`)
  if (end.handles > baseline.handles + 25) {
    fail(`handles after the run ${end.handles}, before ${baseline.handles}`)
  }
  if (totals.backwards.length > 0) fail(`event time went back: ${totals.backwards.join('; ')}`)
  if (totals.duplicates > 0) fail(`${totals.duplicates} duplicate price updates`)
  if (totals.seqBackwards > 0) fail(`${totals.seqBackwards} times seq went back`)
  if (serverExit !== undefined) fail(`the server exited (${JSON.stringify(serverExit)})`)

  // ---- summary
  const maxLag = Math.max(...running.map((row) => row.lagP99))
  const peakRss = Math.max(...samples.map((row) => row.rss))
  const lines = [
    `Run of ${new Date(startedAt).toISOString().slice(0, 16)}Z: ${Math.round((Date.now() - startedAt) / 1000)} s, ` +
      `Node ${process.version}, ${cpus().length} CPUs (load average ${loadavg()[0].toFixed(1)} at the end), ` +
      `${CLIENTS} clients with ${CHURN_PER_SECOND} leaving and ${CHURN_PER_SECOND} joining per second, ` +
      `${STALLED} stalled clients (half renewed every 30 s, half every 90 s), ${SYMBOLS.length} symbols ticking every ${TICK} ms on each exchange.`,
    '',
    `**Verdict: ${failure === undefined ? 'pass' : `FAIL: ${failure}`}**`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| server RSS idle before / peak / idle after | ${mib(baseline.rss)} / ${mib(peakRss)} / ${mib(end.rss)} MiB |`,
    `| RSS / heap / external memory change over the steady part (last third − first third, medians) | ${mib(rssGrowth)} / ${mib(heapGrowth)} / ${mib(externalGrowth)} MiB |`,
    `| active handles idle before / median while running / idle after | ${baseline.handles} / ${median(running.map((row) => row.handles))} / ${end.handles} |`,
    `| open file descriptors idle before / after | ${baseline.fds} / ${end.fds} |`,
    `| event-loop delay p99, median / worst 10 s window | ${median(running.map((row) => row.lagP99))} / ${maxLag} ms |`,
    `| price updates delivered to clients | ${totals.delivered} (median ${median(running.map((row) => row.delivered))} per 10 s) |`,
    `| clients joined / left / cut by the server / failed connects | ${totals.joined} / ${totals.left} / ${totals.cutByServer} / ${totals.failedConnects} |`,
    `| longest silence of any client on any symbol (allowed ${ALLOWED_GAP / 1000} s) | ${(totals.worstGap.ms / 1000).toFixed(1)} s (${totals.worstGap.symbol}) |`,
    `| event time going back / duplicates / seq going back / seq gaps (conflation) | ${totals.backwards.length} / ${totals.duplicates} / ${totals.seqBackwards} / ${totals.seqGaps} |`,
    `| stalled clients: cut for no pong / cut as too slow (1013) / messages conflated / most unsent bytes on one client | ${samples.at(-1)?.cutNoPong ?? 0} / ${samples.at(-1)?.cutSlow ?? 0} / ${samples.at(-1)?.conflated ?? 0} / ${mib(samples.at(-1)?.maxBuffered ?? 0)} MiB |`,
    '',
    `Upstream faults injected (${[...flaps.values()].reduce((a, b) => a + b, 0)}): ${[...flaps]
      .sort()
      .map(([key, count]) => `${key} ×${count}`)
      .join(', ')}.`,
    '',
    '| t (s) | RSS (MiB) | heap (MiB) | external (MiB) | handles | fds | loop p99 (ms) | clients | delivered / 10 s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...samples
      .filter(
        (row, index) =>
          row.phase !== 'running' || index % Math.max(1, Math.round(samples.length / 20)) === 0,
      )
      .map(
        (row) =>
          `| ${row.t} | ${mib(row.rss)} | ${mib(row.heap)} | ${mib(row.external)} | ${row.handles} | ${row.fds} | ${row.lagP99} | ${row.clients} | ${row.delivered} |`,
      ),
  ]
  const summary = lines.join('\n')
  log(`\n${summary}`)
  if (OUT !== undefined) writeFileSync(OUT, `${summary}\n`)
  if (failure !== undefined) {
    log(`\nlast server log lines:\n${serverLog.slice(-20).join('\n')}`)
    exitCode = 1
  }
} catch (error) {
  process.stderr.write(`soak: ${error.stack ?? error}\n`)
  exitCode = 1
} finally {
  flapping = false
  for (const client of clients) client.ws.terminate()
  for (const socket of [...stalled, ...kept]) socket.destroy()
  if (serverExit === undefined) {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
  await binance.close()
  await coinbase.close()
  rmSync(home, { recursive: true, force: true })
}
process.exit(exitCode)
