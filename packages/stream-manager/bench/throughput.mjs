// Inbound throughput of the stream manager against a raw `ws` client, on the same local server in
// the same run, plus the time from a server-side kill to reconnected with the default options.
// Run after a build: `node bench/throughput.mjs` (or `pnpm -F @crypto-analyzer/stream-manager bench`).
// Options: --frames N (default 100000), --runs N (default 5), --kills N (default 5).
import { once } from 'node:events'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { createStreamManager } from '../dist/index.js'

const args = new Map()
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i], Number(process.argv[i + 1]))
const FRAMES = args.get('--frames') ?? 100_000
const RUNS = args.get('--runs') ?? 5
const KILLS = args.get('--kills') ?? 5

// A real Binance combined-stream 24hrTicker frame (tooling/fake-exchanges/fixtures/binance-ticker.jsonl).
const FRAME =
  '{"stream":"dogebnb@ticker","data":{"e":"24hrTicker","E":1569805259092,"s":"DOGEBNB","p":"0.00000291","P":"2.068","w":"0.00014188","x":"0.00014069","c":"0.00014360","Q":"51135.00000000","b":"0.00014365","B":"7080.00000000","a":"0.00014498","A":"275033.00000000","o":"0.00014069","h":"0.00014550","l":"0.00013851","v":"20014582.00000000","q":"2839.62578157","O":1569718859088,"C":1569805259088,"F":64171,"L":64684,"n":514}}'

const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), {
  env: { ...process.env, BENCH_FRAME: FRAME },
})
function request(cmd, extra = {}) {
  const reply = once(server, 'message')
  server.send({ cmd, ...extra })
  return reply.then(([msg]) => msg)
}

const { port } = await request('listen')
const url = `ws://127.0.0.1:${port}/`

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * One blast of `count` frames: wall-clock frames/s from the first to the last frame, and this
 * process's CPU microseconds per frame (the server runs in another process). CPU time is the
 * steadier figure on a shared machine: it does not count time spent waiting for a core.
 */
async function measure(onFrame, count) {
  let received = 0
  let first = 0
  let cpuAtFirst
  let resolveDone
  const done = new Promise((resolve) => (resolveDone = resolve))
  onFrame(() => {
    if (received === 0) {
      first = performance.now()
      cpuAtFirst = process.cpuUsage()
    }
    if (++received === count)
      resolveDone({ at: performance.now(), cpu: process.cpuUsage(cpuAtFirst) })
  })
  const blasted = request('blast', { count })
  const last = await done
  await blasted
  return {
    rate: (count - 1) / ((last.at - first) / 1000),
    cpuUsPerFrame: (last.cpu.user + last.cpu.system) / (count - 1),
  }
}

async function rawRun() {
  const ws = new WebSocket(url)
  await once(ws, 'open')
  let handler = () => {}
  // What a consumer of raw ws does: ws validates UTF-8, the consumer decodes the text.
  ws.on('message', (data) => {
    data.toString()
    handler()
  })
  const rate = await measure((h) => (handler = h), FRAMES)
  ws.terminate()
  await once(ws, 'close')
  return rate
}

async function managerRun() {
  const manager = createStreamManager()
  let handler = () => {}
  manager.onMessage(() => handler())
  manager.addStream({ streamId: 'bench', url })
  manager.start()
  await new Promise((resolve) => {
    const off = manager.onStateChange((c) => {
      if (c.state === 'connected') {
        off()
        resolve()
      }
    })
  })
  const rate = await measure((h) => (handler = h), FRAMES)
  await manager.stop()
  return rate
}

// Warm-up (JIT) of both paths, not counted.
await rawRun()
await managerRun()
const raw = []
const managed = []
for (let i = 0; i < RUNS; i++) {
  raw.push(await rawRun())
  managed.push(await managerRun())
}

/**
 * Milliseconds from a server-side kill to the manager's `connected`, default options. Each kill
 * hits a fresh, healthy connection (attempt counter 0): a connection killed again before
 * `healthyAfter` (10 s) backs off further by design, which is not what this figure is about.
 */
async function reconnectTimes() {
  const times = []
  for (let i = 0; i < KILLS; i++) {
    const manager = createStreamManager()
    let resolveConnected
    manager.onStateChange((c) => {
      if (c.state === 'connected') resolveConnected(performance.now())
    })
    manager.addStream({ streamId: 'kill', url })
    let connected = new Promise((resolve) => (resolveConnected = resolve))
    manager.start()
    await connected
    connected = new Promise((resolve) => (resolveConnected = resolve))
    const t0 = performance.now()
    await request('kill')
    times.push((await connected) - t0)
    await manager.stop()
  }
  return times
}

const killTimes = await reconnectTimes()
await request('close')

const fmt = (n) => Math.round(n).toLocaleString('en-US')
const med = (runs, key) => median(runs.map((r) => r[key]))
const result = {
  frames: FRAMES,
  frameBytes: Buffer.byteLength(FRAME),
  runs: RUNS,
  rawWsFramesPerSec: Math.round(med(raw, 'rate')),
  managerFramesPerSec: Math.round(med(managed, 'rate')),
  wallRatio: Number((med(managed, 'rate') / med(raw, 'rate')).toFixed(3)),
  rawWsCpuUsPerFrame: Number(med(raw, 'cpuUsPerFrame').toFixed(3)),
  managerCpuUsPerFrame: Number(med(managed, 'cpuUsPerFrame').toFixed(3)),
  cpuRatio: Number((med(raw, 'cpuUsPerFrame') / med(managed, 'cpuUsPerFrame')).toFixed(3)),
  killToReconnectedMs: { median: Math.round(median(killTimes)), all: killTimes.map(Math.round) },
}
console.log(
  `inbound, ${FRAMES} frames of ${result.frameBytes} B, median of ${RUNS} alternating runs:\n` +
    `  raw ws          ${fmt(result.rawWsFramesPerSec)} frames/s, ${result.rawWsCpuUsPerFrame} µs CPU/frame\n` +
    `  stream-manager  ${fmt(result.managerFramesPerSec)} frames/s, ${result.managerCpuUsPerFrame} µs CPU/frame\n` +
    `  manager/raw     ${result.wallRatio} (wall), ${result.cpuRatio} (CPU, raw cost / manager cost)`,
)
console.log(
  `server kill -> reconnected, default options (reconnectDelay 1000, full jitter): median ${result.killToReconnectedMs.median} ms over ${KILLS} kills ` +
    `(${result.killToReconnectedMs.all.join(', ')} ms)`,
)
console.log(JSON.stringify(result))
