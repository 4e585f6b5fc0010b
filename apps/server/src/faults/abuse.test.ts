// Client abuse against the deployable server (dist/main.js in a child process, fed by the fake
// exchanges of this process): floods, oversize frames, stalled readers, slowloris handshakes,
// thousands of connects and disconnects, invalid upgrade requests. Twenty well-behaved clients
// watch prices the whole time; the server must keep serving them (bounded latency, no gaps, never
// cut) and keep its memory bounded. Attackers use other loopback addresses (127.0.0.x) so the
// per-IP connection limit of 100 applies to them, not to the watchers.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeBinance, startFakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import type { FakeBinance, FakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServerProcess } from '../test-support/process.js'
import type { ServerProcess } from '../test-support/process.js'

const WATCHERS = 20
const TICK = 100
/** Generous bounds: only a real regression (a leak, a blocked loop, a cut client) breaks them. */
const MAX_LATENCY_P99 = 5000
const MAX_GAP = 5000
const MAX_RSS_GROWTH = 100 * 1024 * 1024
const PHASE_TIMEOUT = 60_000

let binance: FakeBinance
let coinbase: FakeCoinbase
let server: ServerProcess
let home: string
let port: number
let wsUrl: string

// ---------------------------------------------------------------------------------------------

interface Watcher {
  readonly ws: WebSocket
  /** Arrival − exchange event time of every price_update, with the arrival time. */
  readonly latencies: { at: number; ms: number }[]
  closedWith: number | undefined
}

const watchers: Watcher[] = []

async function watcher(): Promise<Watcher> {
  const ws = new WebSocket(wsUrl)
  const w: Watcher = { ws, latencies: [], closedWith: undefined }
  ws.on('message', (raw: Buffer) => {
    const message = JSON.parse(raw.toString()) as { type: string; data?: { timestamp?: string } }
    if (message.type !== 'price_update' || message.data?.timestamp === undefined) return
    const at = Date.now()
    w.latencies.push({ at, ms: at - Date.parse(message.data.timestamp) })
  })
  ws.on('close', (code: number) => {
    w.closedWith = code
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  ws.send(JSON.stringify({ type: 'join_room', room: 'prices' }))
  return w
}

const p99 = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0
}

/** What the watchers saw since `since`: p99 latency and the longest silence of any of them. */
function watchersSince(since: number): { p99: number; maxGap: number; received: number } {
  const latencies: number[] = []
  let maxGap = 0
  for (const w of watchers) {
    const seen = w.latencies.filter((l) => l.at >= since)
    latencies.push(...seen.map((l) => l.ms))
    let last = since
    for (const l of seen) {
      maxGap = Math.max(maxGap, l.at - last)
      last = l.at
    }
    maxGap = Math.max(maxGap, Date.now() - last)
  }
  return { p99: p99(latencies), maxGap, received: latencies.length }
}

async function metrics(): Promise<string> {
  return (await fetch(`${server.url}/metrics`)).text()
}

function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (match?.[1] !== name) continue
    const present = (match[2] ?? '').split(',')
    if (wanted.every((label) => present.includes(label))) return Number(match[3])
  }
  return 0
}

const rss = async (): Promise<number> => metric(await metrics(), 'process_resident_memory_bytes')

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeout = 30_000,
) {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms)
  })

/** Figures per attack, printed with CRYPTO_ANALYZER_FAULTS_REPORT=1 (for the README's table). */
const figures: string[] = []

/** After every attack: the watchers were served throughout, none was cut, memory is bounded. */
async function expectWatchersServed(since: number, rssBefore: number, extra = ''): Promise<void> {
  // Let a full second of normal traffic arrive after the attack too.
  await sleep(1000)
  const seen = watchersSince(since)
  const growth = (await rss()) - rssBefore
  figures.push(
    `${expect.getState().currentTestName ?? '?'}: watchers p99 ${seen.p99} ms, longest gap ` +
      `${seen.maxGap} ms, server RSS ${growth >= 0 ? '+' : ''}${(growth / 1048576).toFixed(1)} MiB${extra}`,
  )
  expect(seen.received).toBeGreaterThan(WATCHERS)
  expect(seen.p99, 'watchers p99 latency (ms)').toBeLessThan(MAX_LATENCY_P99)
  expect(seen.maxGap, 'longest silence of a watcher (ms)').toBeLessThan(MAX_GAP)
  expect(watchers.filter((w) => w.closedWith !== undefined)).toEqual([])
  expect(growth, 'server RSS growth (bytes)').toBeLessThan(MAX_RSS_GROWTH)
}

function openFrom(address: string, options: { timeout?: number } = {}): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl, {
    localAddress: address,
    handshakeTimeout: options.timeout ?? 10_000,
  })
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      resolve(ws)
    })
    ws.once('error', reject)
  })
}

const closed = (ws: WebSocket): Promise<number> =>
  new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve(1006)
    ws.once('close', (code: number) => {
      resolve(code)
    })
  })

/** A masked client text frame, for raw sockets. */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text)
  const mask = randomBytes(4)
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
  const masked = Buffer.from(payload.map((byte, index) => byte ^ (mask[index % 4] ?? 0)))
  return Buffer.concat([header, mask, masked])
}

const upgradeRequest = (): string =>
  `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`

function rawSocket(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: address }, () => {
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  binance = await startFakeBinance({ tickInterval: TICK, pingInterval: 0, seed: 11 })
  coinbase = await startFakeCoinbase({ tickInterval: TICK, seed: 12 })
  home = await mkdtemp(join(tmpdir(), 'ca-abuse-'))
  server = await startServerProcess({
    CRYPTO_ANALYZER_HOME: home,
    CRYPTO_ANALYZER_PROVIDER: 'binance',
    CRYPTO_ANALYZER_FALLBACK: 'coinbase',
    CRYPTO_ANALYZER_SYMBOLS: 'btc,eth',
    CRYPTO_ANALYZER_BINANCE_URL: binance.url,
    CRYPTO_ANALYZER_COINBASE_URL: coinbase.url,
    CRYPTO_ANALYZER_LOG_LEVEL: 'info',
  })
  port = Number(new URL(server.url).port)
  wsUrl = `ws://127.0.0.1:${port}/ws`
  for (let index = 0; index < WATCHERS; index++) watchers.push(await watcher())
  await waitFor(
    () => watchers.every((w) => w.latencies.length > 5),
    'every watcher receiving prices',
  )
}, PHASE_TIMEOUT)

afterAll(async () => {
  if (process.env['CRYPTO_ANALYZER_FAULTS_REPORT'] === '1') {
    process.stderr.write(`${figures.join('\n')}\n`)
  }
  for (const w of watchers) w.ws.terminate()
  if (server.child.exitCode === null) {
    server.child.kill('SIGTERM')
    await server.exited
  }
  await binance.close()
  await coinbase.close()
  await rm(home, { recursive: true, force: true })
})

describe('client abuse against the running server', () => {
  it(
    'floods: 20 clients sending 50 messages every 100 ms are rate limited and closed with 1008',
    async () => {
      const since = Date.now()
      const before = await rss()
      const flooders = await Promise.all(Array.from({ length: 20 }, () => openFrom('127.0.0.3')))
      const codes = flooders.map(closed)
      const errors = new Map<WebSocket, string[]>()
      for (const ws of flooders) {
        errors.set(ws, [])
        ws.on('message', (raw: Buffer) => {
          const message = JSON.parse(raw.toString()) as { type: string; data?: { code?: string } }
          if (message.type === 'error') errors.get(ws)?.push(String(message.data?.code))
        })
      }
      const flood = setInterval(() => {
        for (const ws of flooders) {
          if (ws.readyState !== WebSocket.OPEN) continue
          for (let index = 0; index < 50; index++) ws.send('{"type":"ping"}')
        }
      }, 100)
      try {
        expect(await Promise.all(codes)).toEqual(Array(20).fill(1008))
      } finally {
        clearInterval(flood)
      }
      for (const ws of flooders) expect(errors.get(ws)).toEqual(['rate_limited'])
      await expectWatchersServed(since, before)
      const text = await metrics()
      expect(
        metric(text, 'crypto_analyzer_ws_closed_connections_total', { reason: 'rate_limited' }),
      ).toBeGreaterThanOrEqual(20)
    },
    PHASE_TIMEOUT,
  )

  it(
    'oversize frames: 64 KiB and 10 MB messages close their senders with 1009, nobody else',
    async () => {
      const since = Date.now()
      const before = await rss()
      const senders = await Promise.all(Array.from({ length: 20 }, () => openFrom('127.0.0.4')))
      const codes = senders.map(closed)
      senders.forEach((ws, index) => {
        ws.on('error', () => undefined)
        const size = index < 3 ? 10 * 1024 * 1024 : 64 * 1024
        ws.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(size) }))
      })
      for (const code of await Promise.all(codes)) expect([1009, 1006]).toContain(code)
      await expectWatchersServed(since, before)
      expect(
        metric(await metrics(), 'crypto_analyzer_ws_closed_connections_total', {
          reason: 'message_too_big',
        }),
      ).toBeGreaterThanOrEqual(17)
    },
    PHASE_TIMEOUT,
  )

  it(
    '50 stalled clients (joined, never read) during bursts: conflated or cut, memory bounded, others unharmed',
    async () => {
      const since = Date.now()
      const before = await rss()
      const stalled: Socket[] = []
      for (let index = 0; index < 50; index++) {
        const socket = await rawSocket('127.0.0.5')
        socket.on('error', () => undefined)
        socket.write(upgradeRequest())
        socket.write(clientFrame('{"type":"join_room","room":"prices"}'))
        socket.pause()
        stalled.push(socket)
      }
      try {
        await waitFor(
          async () => metric(await metrics(), 'crypto_analyzer_ws_clients') >= WATCHERS + 50,
          'the stalled clients to be connected',
        )
        // Bursts of 5,000 tickers fill the stalled sockets' buffers far past the soft limit.
        for (let burst = 0; burst < 6; burst++) {
          for (let index = 0; index < 5000; index++) binance.emitTicker('btcusdt@ticker')
          await sleep(500)
        }
        await waitFor(
          async () => metric(await metrics(), 'crypto_analyzer_ws_conflated_messages_total') > 0,
          'conflation of the stalled clients',
        )
        const text = await metrics()
        expect(metric(text, 'crypto_analyzer_ws_lagging_clients')).toBeLessThanOrEqual(50)
        const maxBuffered = metric(text, 'crypto_analyzer_ws_max_buffered_bytes')
        expect(maxBuffered).toBeLessThan(8 * 1024 * 1024)
        const conflated = metric(text, 'crypto_analyzer_ws_conflated_messages_total')
        await expectWatchersServed(
          since,
          before,
          `, ${conflated} messages conflated, at most ${(maxBuffered / 1048576).toFixed(2)} MiB unsent on one client`,
        )
      } finally {
        for (const socket of stalled) socket.destroy()
      }
    },
    PHASE_TIMEOUT,
  )

  it(
    'slowloris: 200 handshakes trickling one header byte at a time do not block anyone',
    async () => {
      const since = Date.now()
      const before = await rss()
      const slow: Socket[] = []
      for (let index = 0; index < 200; index++) {
        const socket = await rawSocket('127.0.0.6')
        socket.on('error', () => undefined)
        socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`)
        slow.push(socket)
      }
      const trickle = setInterval(() => {
        for (const socket of slow) if (!socket.destroyed) socket.write('X')
      }, 500)
      try {
        await sleep(3000)
        // A new client still connects and is served at once.
        const fresh = await watcher()
        await waitFor(() => fresh.latencies.length > 2, 'a fresh client to receive prices')
        fresh.ws.terminate()
        await expectWatchersServed(since, before)
      } finally {
        clearInterval(trickle)
        for (const socket of slow) socket.destroy()
      }
    },
    PHASE_TIMEOUT,
  )

  it(
    'churn: 3,000 connects and disconnects (clean, abrupt, mid-handshake) leak no slot, socket or byte',
    async () => {
      const since = Date.now()
      const before = await rss()
      const beforeText = await metrics()
      const accepted = metric(beforeText, 'crypto_analyzer_ws_connections_total')
      const total = 3000
      let started = 0
      let failures = 0
      const startedAt = Date.now()
      const one = async (index: number): Promise<void> => {
        // Spread over 127.0.0.10-19 so bursts stay under the per-IP limit; the limit's own
        // bookkeeping is checked below: a leaked slot would refuse later connections with 429.
        const address = `127.0.0.${10 + (index % 10)}`
        if (index % 3 === 2) {
          // Upgrade request sent, then the socket dies before the answer.
          const socket = await rawSocket(address)
          socket.on('error', () => undefined)
          socket.write(upgradeRequest())
          socket.destroy()
          return
        }
        try {
          const ws = await openFrom(address)
          if (index % 3 === 0) ws.close()
          else ws.terminate()
          await closed(ws)
        } catch {
          failures++
        }
      }
      const lanes = Array.from({ length: 50 }, async () => {
        while (started < total) await one(started++)
      })
      await Promise.all(lanes)
      const perSecond = Math.round((total / (Date.now() - startedAt)) * 1000)
      expect(failures).toBe(0)
      await waitFor(
        async () => metric(await metrics(), 'crypto_analyzer_ws_clients') === WATCHERS,
        'every churned connection to be gone',
      )
      const text = await metrics()
      expect(
        metric(text, 'crypto_analyzer_ws_connections_total') - accepted,
      ).toBeGreaterThanOrEqual((total * 2) / 3)
      // No per-IP slot leaked: 100 connections from one churned address are still accepted.
      const again = await Promise.all(Array.from({ length: 100 }, () => openFrom('127.0.0.10')))
      for (const ws of again) ws.terminate()
      await expectWatchersServed(since, before, `, ${perSecond} connections/s`)
    },
    PHASE_TIMEOUT,
  )

  it(
    'invalid upgrade requests get an HTTP error and a closed socket, never a WebSocket',
    async () => {
      const since = Date.now()
      const before = await rss()
      const key = randomBytes(16).toString('base64')
      const requests = [
        `GET /ws HTTP/1.1\r\nHost: x\r\n\r\n`,
        `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 12\r\n\r\n`,
        `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        `POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n`,
        `GET /ws HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
        `\u0000\u0001\u0002 garbage\r\n\r\n`,
        `GET /ws HTTP/9.9\r\n\r\n`,
        `GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ]
      const answers = await Promise.all(
        Array.from({ length: 5 }).flatMap(() =>
          requests.map(
            (request) =>
              new Promise<string>((resolve, reject) => {
                const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.7' })
                let answer = ''
                socket.setEncoding('latin1')
                socket.on('data', (chunk: string) => {
                  answer += chunk
                })
                socket.on('error', () => undefined)
                socket.on('close', () => {
                  resolve(answer)
                })
                socket.setTimeout(15_000, () => {
                  reject(new Error(`no answer to ${JSON.stringify(request.slice(0, 40))}`))
                  socket.destroy()
                })
                socket.write(request)
                // A well-behaved HTTP client would wait; end our side so keep-alive ends too.
                setTimeout(() => socket.end(), 200)
              }),
          ),
        ),
      )
      for (const answer of answers) {
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1]
        // Either an HTTP 4xx or, for bytes that are not HTTP at all, a closed socket.
        if (status !== undefined) expect(Number(status)).toBeGreaterThanOrEqual(400)
        expect(answer).not.toMatch(/^HTTP\/1\.1 101/)
      }
      expect(metric(await metrics(), 'crypto_analyzer_ws_clients')).toBe(WATCHERS)
      await expectWatchersServed(since, before)
    },
    PHASE_TIMEOUT,
  )

  it('after all of it: no client left behind, handles and memory back to normal', async () => {
    await waitFor(
      async () => metric(await metrics(), 'crypto_analyzer_ws_clients') === WATCHERS,
      'only the watchers connected',
    )
    const text = await metrics()
    // The watchers' sockets, the two feeds, the listener and a few process handles: not thousands.
    expect(metric(text, 'nodejs_active_handles_total')).toBeLessThan(WATCHERS + 100)
    expect(metric(text, 'crypto_analyzer_ws_lagging_clients')).toBe(0)
    expect(watchers.filter((w) => w.closedWith !== undefined)).toEqual([])
  })
})
