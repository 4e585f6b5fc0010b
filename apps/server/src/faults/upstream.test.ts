// Upstream faults through the whole pipeline: fake exchanges on 127.0.0.1 → price feeds
// (Binance primary, Coinbase fallback) → event bus → WebSocket server → a client in the `prices`
// and `status` rooms. Each test breaks the primary one way and checks what the client sees: a
// feed_status change within the configured window, failover with no gap longer than the stale
// window plus reconnect time, failback, no duplicate and no out-of-order price_update per symbol,
// and metrics that count it.
//
// The pipeline is composed here the way startService composes it, with short windows (staleAfter,
// failbackAfter, heartbeats) that ServiceOptions does not expose; two tests run startService
// itself with its defaults.
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import type { ServerType } from '@hono/node-server'
import { createEventBus } from '@crypto-analyzer/core-events'
import type { FeedState, StreamEventBus } from '@crypto-analyzer/core-events'
import { startFakeBinance, startFakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import type { FakeBinance, FakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import { createPriceFeedManager } from '@crypto-analyzer/price-feeds'
import type { PriceFeedManager } from '@crypto-analyzer/price-feeds'
import { createWsServer, startService } from '@crypto-analyzer/ws-server'
import type { RunningService, WsServer } from '@crypto-analyzer/ws-server'
import WebSocket from 'ws'
import { afterAll, describe, expect, it } from 'vitest'

const SYMBOLS = ['BTC', 'ETH'] as const
/** Exchange ticks per symbol (the real ones send one a second; faster here to see gaps sooner). */
const TICK = 100
/** price-feeds staleAfter: per-symbol staleness and the stream's no-data window. */
const STALE = 1500
/** price-feeds failbackAfter: the primary must deliver this long before symbols move back. */
const FAILBACK = 1500
const HEARTBEAT = 500
const PONG_TIMEOUT = 500
const MAX_RECONNECT_DELAY = 400
/**
 * Room for a busy machine (2 shared cores, other suites running): added to every window. Only a
 * broken promise (no failover, no reconnect) exceeds it; a slow run does not.
 */
const SLACK = 3000
/** The longest silence a client may see per symbol: stale window plus reconnect time. */
const ALLOWED_GAP = STALE + MAX_RECONNECT_DELAY + SLACK
/** How long each fault lasts: longer than ALLOWED_GAP, so a missing failover shows as a gap. */
const HOLD = ALLOWED_GAP + 1500

const STREAM = {
  reconnectDelay: 50,
  maxReconnectDelay: MAX_RECONNECT_DELAY,
  heartbeatInterval: HEARTBEAT,
  pongTimeout: PONG_TIMEOUT,
  connectTimeout: 1000,
  healthyAfter: 1000,
}

// ---------------------------------------------------------------------------------------------
// What a client of our server sees.

interface PriceSeen {
  readonly symbol: string
  readonly source: string
  /** Exchange event time (data.timestamp). */
  readonly eventTime: number
  readonly seq: number
  /** Arrival time at the client. */
  readonly at: number
  /** The exact data object text, to spot duplicates. */
  readonly data: string
}

interface StatusSeen {
  readonly provider: string
  readonly state: FeedState
  readonly symbols: readonly string[]
  readonly reason: string
  readonly at: number
}

interface WireMessage {
  type: string
  seq?: number
  room?: string
  data?: {
    symbol?: string
    source?: string
    timestamp?: string
    provider?: string
    state?: FeedState
    symbols?: string[]
    reason?: string
  }
}

class Recorder {
  readonly prices: PriceSeen[] = []
  readonly statuses: StatusSeen[] = []
  /** Seq not one above the previous in its room (a gap, allowed only when the server conflated). */
  readonly seqGaps: string[] = []
  /** Seq not above the previous in its room: never allowed. */
  readonly seqErrors: string[] = []
  private readonly lastSeq = new Map<string, number>()
  private joined = 0
  closed = false
  /** The close code and reason, for failure messages. */
  closedWith = ''

  private constructor(
    readonly ws: WebSocket,
    /** The test it belongs to, for the figures. */
    readonly name: string,
  ) {
    ws.on('message', (raw: Buffer) => {
      this.onMessage(raw.toString())
    })
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = true
      this.closedWith = `${code} ${reason.toString()}`
    })
  }

  static async connect(wsUrl: string, name = ''): Promise<Recorder> {
    const ws = new WebSocket(wsUrl)
    const recorder = new Recorder(ws, name)
    liveRecorders.add(recorder)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    ws.send(JSON.stringify({ type: 'join_room', room: 'prices' }))
    ws.send(JSON.stringify({ type: 'join_room', room: 'status' }))
    await waitFor(() => recorder.joined === 2, 'room_joined twice')
    return recorder
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as WireMessage
    const at = Date.now()
    if (message.type === 'room_joined') this.joined++
    if (message.seq !== undefined) {
      // Each room is its own stream: seq rises by exactly one (this client is never slow).
      const room = message.type === 'price_update' ? 'prices' : message.type
      const last = this.lastSeq.get(room)
      if (last !== undefined && message.seq <= last) {
        this.seqErrors.push(`${room}: seq ${message.seq} after ${last}`)
      } else if (last !== undefined && message.seq !== last + 1) {
        this.seqGaps.push(`${room}: seq ${message.seq} after ${last}`)
      }
      this.lastSeq.set(room, message.seq)
    }
    const data = message.data
    if (message.type === 'price_update' && data !== undefined) {
      this.prices.push({
        symbol: String(data.symbol),
        source: String(data.source),
        eventTime: Date.parse(String(data.timestamp)),
        seq: message.seq ?? -1,
        at,
        data: JSON.stringify(data),
      })
    }
    if (message.type === 'feed_status' && data !== undefined) {
      this.statuses.push({
        provider: String(data.provider),
        state: data.state ?? 'stopped',
        symbols: data.symbols ?? [],
        reason: data.reason ?? '',
        at,
      })
    }
  }

  of(symbol: string, since = 0, source?: string): PriceSeen[] {
    return this.prices.filter(
      (p) => p.symbol === symbol && p.at >= since && (source === undefined || p.source === source),
    )
  }

  /** Joined a running service: the join snapshot skips seqs; check continuity from here on. */
  clearSeqGaps(): void {
    this.seqGaps.length = 0
  }

  close(): void {
    liveRecorders.delete(this)
    this.ws.terminate()
  }
}

/** Clients of the running test, named in a timeout's message with what they saw. */
const liveRecorders = new Set<Recorder>()

/** Figures per test, printed with CRYPTO_ANALYZER_FAULTS_REPORT=1 (for the README's table). */
const figures = new Map<string, string[]>()

function note(name: string, figure: string): void {
  figures.set(name, [...(figures.get(name) ?? []), figure])
}

afterAll(() => {
  if (process.env['CRYPTO_ANALYZER_FAULTS_REPORT'] !== '1') return
  for (const [name, list] of figures) process.stderr.write(`${name}: ${list.join(', ')}\n`)
})

/** The promises every fault test checks on everything the client saw. */
function expectCleanStream(
  recorder: Recorder,
  options: { allowedGap?: number; conflated?: boolean } = {},
): void {
  const allowedGap = options.allowedGap ?? ALLOWED_GAP
  expect(recorder.seqErrors).toEqual([])
  if (options.conflated !== true) expect(recorder.seqGaps).toEqual([])
  for (const symbol of SYMBOLS) {
    const seen = recorder.of(symbol)
    expect(seen.length).toBeGreaterThan(0)
    const texts = new Set<string>()
    let previous: PriceSeen | undefined
    let maxGap = 0
    for (const price of seen) {
      expect(texts.has(price.data), `duplicate ${symbol} update ${price.data}`).toBe(false)
      texts.add(price.data)
      if (previous !== undefined) {
        expect(
          price.eventTime,
          `${symbol} event time went back from ${previous.source} to ${price.source}`,
        ).toBeGreaterThanOrEqual(previous.eventTime)
        maxGap = Math.max(maxGap, price.at - previous.at)
      }
      previous = price
    }
    note(recorder.name, `${symbol} longest gap ${maxGap} ms`)
    expect(maxGap, `longest ${symbol} silence`).toBeLessThanOrEqual(allowedGap)
  }
}

// ---------------------------------------------------------------------------------------------
// The pipeline.

interface Pipeline {
  readonly url: string
  readonly wsUrl: string
  readonly bus: StreamEventBus
  readonly feeds: PriceFeedManager
  readonly server: WsServer
  /** Starts the feeds (after the recorder joined, so it sees every message from seq 1). */
  go(): Promise<void>
  close(): Promise<void>
}

async function startPipeline(urls: { binance: string; coinbase: string }): Promise<Pipeline> {
  const bus = createEventBus()
  bus.start()
  const feeds = createPriceFeedManager({
    bus,
    urls,
    staleAfter: STALE,
    failbackAfter: FAILBACK,
    stream: STREAM,
  })
  feeds.addProvider('binance', SYMBOLS, { isPrimary: true })
  feeds.addProvider('coinbase', SYMBOLS)
  const server = createWsServer({ bus, symbols: SYMBOLS, feeds })
  const http: ServerType = serve({
    fetch: server.app.fetch,
    hostname: '127.0.0.1',
    port: 0,
    websocket: { server: server.wss },
  })
  const port = await new Promise<number>((resolve, reject) => {
    http.once('error', reject)
    http.once('listening', () => {
      const address = http.address()
      resolve(typeof address === 'object' && address !== null ? address.port : 0)
    })
  })
  const url = `http://127.0.0.1:${port}`
  let closed = false
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    bus,
    feeds,
    server,
    go: () => feeds.start(),
    async close() {
      if (closed) return
      closed = true
      await server.close()
      await new Promise<void>((resolve) => {
        http.close(() => {
          resolve()
        })
        if ('closeAllConnections' in http) http.closeAllConnections()
      })
      await feeds.stop()
      bus.stop()
    },
  }
}

async function waitFor(condition: () => boolean, what: string, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) {
      const recorders = [...liveRecorders].map(
        (r) =>
          `${r.name || 'client'}: ${r.prices.length} prices, ${r.closed ? `closed ${r.closedWith}` : 'open'}`,
      )
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (${recorders.join('; ')})`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms)
  })

/** One sample of `/metrics`, e.g. metric(text, 'feed_reconnects_total', {provider: 'binance'}). */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`crypto_analyzer_${name}`)) continue
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (match?.[1] !== `crypto_analyzer_${name}`) continue
    const present = (match[2] ?? '').split(',')
    if (wanted.every((label) => present.includes(label))) return Number(match[3])
  }
  throw new Error(`no ${name} ${wanted.join(',')} in /metrics`)
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text()
}

// ---------------------------------------------------------------------------------------------
// Test fixtures: fresh exchanges and pipeline per test, everything closed afterwards. The tests
// of one describe.concurrent block run at the same time (each on its own ports).

type Cleanup = () => Promise<void> | void

interface Scope {
  readonly name: string
  defer(cleanup: Cleanup): void
}

const FAULT_TIMEOUT = 90_000

function scenario(name: string, body: (scope: Scope) => Promise<void>): void {
  it(
    name,
    async () => {
      const cleanups: Cleanup[] = []
      try {
        await body({
          name,
          defer: (cleanup) => {
            cleanups.push(cleanup)
          },
        })
      } finally {
        for (const cleanup of cleanups.reverse()) await cleanup()
      }
    },
    FAULT_TIMEOUT,
  )
}

interface Running {
  readonly binance: FakeBinance
  readonly coinbase: FakeCoinbase
  readonly pipeline: Pipeline
  readonly recorder: Recorder
}

const fakeBinance = async (scope: Scope, seed = 1): Promise<FakeBinance> => {
  const exchange = await startFakeBinance({ tickInterval: TICK, pingInterval: 0, seed })
  scope.defer(() => exchange.close())
  return exchange
}

const fakeCoinbase = async (
  scope: Scope,
  seed = 2,
  clock?: () => number,
): Promise<FakeCoinbase> => {
  const exchange = await startFakeCoinbase({
    tickInterval: TICK,
    heartbeatInterval: 1000,
    seed,
    ...(clock === undefined ? {} : { clock: { now: clock } }),
  })
  scope.defer(() => exchange.close())
  return exchange
}

/** Both exchanges ticking, the pipeline up, the client in its rooms, Binance serving both. */
async function running(
  scope: Scope,
  options: {
    binance?: FakeBinance
    binanceUrl?: (b: FakeBinance) => string
    coinbaseClock?: () => number
  } = {},
): Promise<Running> {
  const binance = options.binance ?? (await fakeBinance(scope))
  const coinbase = await fakeCoinbase(scope, 2, options.coinbaseClock)
  const pipeline = await startPipeline({
    binance: options.binanceUrl?.(binance) ?? binance.url,
    coinbase: coinbase.url,
  })
  scope.defer(() => pipeline.close())
  const recorder = await Recorder.connect(pipeline.wsUrl, scope.name)
  scope.defer(() => {
    recorder.close()
  })
  await pipeline.go()
  return { binance, coinbase, pipeline, recorder }
}

async function servedBy(
  r: Recorder,
  source: string,
  since: number,
  what: string,
  symbols: readonly string[] = SYMBOLS,
): Promise<void> {
  await waitFor(
    () => symbols.every((symbol) => r.of(symbol, since, source).length >= 2),
    `${what}: both symbols from ${source}`,
  )
}

/** Waits for a Binance feed_status in one of `states` after `since`; returns when it came. */
async function binanceStatus(
  r: Recorder,
  states: readonly FeedState[],
  since: number,
  within: number,
): Promise<StatusSeen> {
  await waitFor(
    () =>
      r.statuses.some((s) => s.provider === 'binance' && s.at >= since && states.includes(s.state)),
    `a binance feed_status in ${states.join('/')}`,
    within + 10_000,
  )
  const status = r.statuses.find(
    (s) => s.provider === 'binance' && s.at >= since && states.includes(s.state),
  ) as StatusSeen
  note(r.name, `feed_status ${status.state} after ${status.at - since} ms`)
  expect(status.at - since, `feed_status ${status.state} came late`).toBeLessThanOrEqual(within)
  return status
}

/** After the fault is over: Binance serves both symbols again and says so. */
async function expectFailback(
  r: Recorder,
  since: number,
  symbols: readonly string[] = SYMBOLS,
): Promise<void> {
  await waitFor(
    () =>
      r.statuses.some(
        (s) =>
          s.provider === 'binance' &&
          s.at >= since &&
          s.state === 'connected' &&
          s.reason.includes('back on binance'),
      ),
    'the failback status',
    FAILBACK + 20_000,
  )
  await servedBy(r, 'binance', since, 'failback', symbols)
}

/**
 * Runs one fault: healthy → inject → a Binance status within `detect` → the fallback serves →
 * the fault lasts HOLD → heal → failback. A one-shot fault (a close) has nothing to hold or heal:
 * the exchange takes connections again at once, so failback is due from the injection on.
 */
async function fault(
  run: Running,
  options: {
    inject: () => void | Promise<void>
    heal?: () => void | Promise<void>
    detect: number
    states: readonly FeedState[]
  },
): Promise<{ injectedAt: number; healedAt: number; reconnectsBefore: number }> {
  const { recorder: r, pipeline: p } = run
  await servedBy(r, 'binance', 0, 'start')
  const reconnectsBefore = metric(await metrics(p.url), 'feed_reconnects_total', {
    provider: 'binance',
  })
  const injectedAt = Date.now()
  await options.inject()
  await binanceStatus(r, options.states, injectedAt, options.detect + SLACK)
  await servedBy(r, 'coinbase', injectedAt, 'failover')
  let healedAt = injectedAt
  if (options.heal !== undefined) {
    await sleep(HOLD)
    healedAt = Date.now()
    await options.heal()
  }
  // The status may come before the heal when the exchange recovers by itself (restart).
  await expectFailback(r, injectedAt)
  await servedBy(r, 'binance', healedAt, 'after the fault')
  return { injectedAt, healedAt, reconnectsBefore }
}

const DOWN: readonly FeedState[] = ['reconnecting', 'stale', 'failed_over']

describe.concurrent('upstream faults through the whole pipeline', () => {
  scenario(
    'abrupt close (TCP reset, no close frame): reconnects, fails over at once, fails back',
    async (scope) => {
      const run = await running(scope)
      const result = await fault(run, {
        inject: () => {
          run.binance.closeAll()
        },
        detect: 0,
        states: ['reconnecting', 'failed_over'],
      })
      expectCleanStream(run.recorder)
      const text = await metrics(run.pipeline.url)
      expect(metric(text, 'feed_reconnects_total', { provider: 'binance' })).toBeGreaterThan(
        result.reconnectsBefore,
      )
      expect(metric(text, 'feed_state', { provider: 'binance', state: 'connected' })).toBe(1)
    },
  )

  scenario(
    'exchange restart with downtime: refused attempts back off until it is back',
    async (scope) => {
      const run = await running(scope)
      let restarted: Promise<void> = Promise.resolve()
      const result = await fault(run, {
        inject: () => {
          restarted = run.binance.restart({ downtime: HOLD })
        },
        heal: () => restarted,
        detect: 0,
        states: ['reconnecting', 'failed_over'],
      })
      expectCleanStream(run.recorder)
      const reconnects = metric(await metrics(run.pipeline.url), 'feed_reconnects_total', {
        provider: 'binance',
      })
      // Refused attempts during the downtime, each one counted, but backed off: not hundreds.
      expect(reconnects - result.reconnectsBefore).toBeGreaterThanOrEqual(2)
      expect(reconnects - result.reconnectsBefore).toBeLessThan(HOLD / 50)
    },
  )

  scenario(
    'half-open stall (TCP open, no bytes): the missing pong cuts it within heartbeat + pong timeout',
    async (scope) => {
      const run = await running(scope)
      const result = await fault(run, {
        inject: () => {
          run.binance.stall()
        },
        heal: () => {
          run.binance.resume()
        },
        detect: HEARTBEAT + PONG_TIMEOUT,
        states: DOWN,
      })
      expectCleanStream(run.recorder)
      expect(
        metric(await metrics(run.pipeline.url), 'feed_reconnects_total', { provider: 'binance' }),
      ).toBeGreaterThan(result.reconnectsBefore)
    },
  )

  scenario(
    'pings answered but no data: stale after staleAfter, fallback serves, reconnects',
    async (scope) => {
      const run = await running(scope)
      const result = await fault(run, {
        inject: () => {
          run.binance.pingOnly(true)
        },
        heal: () => {
          run.binance.pingOnly(false)
        },
        detect: STALE,
        states: DOWN,
      })
      expectCleanStream(run.recorder)
      expect(
        metric(await metrics(run.pipeline.url), 'feed_reconnects_total', { provider: 'binance' }),
      ).toBeGreaterThan(result.reconnectsBefore)
    },
  )

  scenario('serverShutdown event: reconnects at once, counted once, with no gap', async (scope) => {
    const run = await running(scope)
    await servedBy(run.recorder, 'binance', 0, 'start')
    const before = metric(await metrics(run.pipeline.url), 'feed_reconnects_total', {
      provider: 'binance',
    })
    const requests = run.binance.requests.length
    const at = Date.now()
    run.binance.serverShutdown()
    await binanceStatus(run.recorder, ['reconnecting', 'failed_over'], at, SLACK)
    // A new connection subscribed again.
    await waitFor(() => run.binance.requests.length > requests, 'a new SUBSCRIBE')
    await expectFailback(run.recorder, at)
    expectCleanStream(run.recorder)
    expect(
      metric(await metrics(run.pipeline.url), 'feed_reconnects_total', { provider: 'binance' }),
    ).toBe(before + 1)
  })

  scenario(
    'slow drip (one frame per 2 × staleAfter, like one a minute against 30 s): stays on the fallback, no flapping',
    async (scope) => {
      const run = await running(scope)
      await servedBy(run.recorder, 'binance', 0, 'start')
      const injectedAt = Date.now()
      run.binance.setTickInterval(0)
      const drip = setInterval(() => {
        for (const symbol of SYMBOLS) run.binance.emitTicker(`${symbol.toLowerCase()}usdt@ticker`)
      }, 2 * STALE)
      scope.defer(() => {
        clearInterval(drip)
      })
      await binanceStatus(run.recorder, DOWN, injectedAt, STALE + SLACK)
      await servedBy(run.recorder, 'coinbase', injectedAt, 'failover')
      const switchedAt = Date.now()
      await sleep(3 * 2 * STALE)
      // Drip frames reached Binance's adapter but never pulled the symbols back.
      expect(
        run.recorder.prices.filter((p) => p.source === 'binance' && p.at > switchedAt + 200),
      ).toEqual([])
      expect(
        run.recorder.statuses.filter(
          (s) => s.at > switchedAt && s.reason.includes('back on binance'),
        ),
      ).toEqual([])
      clearInterval(drip)
      const healedAt = Date.now()
      run.binance.setTickInterval(TICK)
      await expectFailback(run.recorder, healedAt)
      expectCleanStream(run.recorder)
    },
  )

  scenario(
    'subscription rejected: the symbol is served by the fallback for good, also after a reconnect',
    async (scope) => {
      const b = await fakeBinance(scope)
      b.rejectSymbols(['ETHUSDT'])
      const run = await running(scope, { binance: b })
      await waitFor(
        () =>
          run.recorder.statuses.some(
            (s) => s.state === 'failed_over' && s.reason.includes('binance rejected ETH'),
          ),
        'the rejection in a failed_over status',
      )
      await waitFor(() => run.recorder.of('BTC', 0, 'binance').length >= 2, 'BTC from binance')
      await waitFor(() => run.recorder.of('ETH', 0, 'coinbase').length >= 2, 'ETH from coinbase')
      // A reconnect does not ask for ETH again, nor pull it back.
      const at = Date.now()
      b.closeAll()
      await expectFailback(run.recorder, at, ['BTC'])
      const settled = Date.now()
      await waitFor(
        () => run.recorder.of('ETH', settled, 'coinbase').length >= 3,
        'ETH on coinbase',
      )
      expect(run.recorder.of('ETH', 0, 'binance')).toEqual([])
      expectCleanStream(run.recorder)
      expect(run.pipeline.feeds.getStatus().providers[0]?.unavailableSymbols).toEqual(['ETH'])
      const text = await metrics(run.pipeline.url)
      expect(metric(text, 'feed_state', { provider: 'binance', state: 'failed_over' })).toBe(1)
      const status = (await (await fetch(`${run.pipeline.url}/status`)).json()) as {
        status: string
      }
      expect(status.status).toBe('degraded')
    },
  )

  scenario(
    'rate-limit disconnect (close 1008 Too many requests): reconnects, fails over and back',
    async (scope) => {
      const run = await running(scope)
      const result = await fault(run, {
        inject: () => {
          run.binance.closeAll(1008, 'Too many requests')
        },
        detect: 0,
        states: ['reconnecting', 'failed_over'],
      })
      expectCleanStream(run.recorder)
      expect(
        metric(await metrics(run.pipeline.url), 'feed_reconnects_total', { provider: 'binance' }),
      ).toBeGreaterThan(result.reconnectsBefore)
    },
  )

  scenario(
    'fallback exchange clock 2 s behind: failover pauses until its time catches up, never steps back',
    async (scope) => {
      const run = await running(scope, { coinbaseClock: () => Date.now() - 2000 })
      let restarted: Promise<void> = Promise.resolve()
      await fault(run, {
        inject: () => {
          restarted = run.binance.restart({ downtime: HOLD })
        },
        heal: () => restarted,
        detect: 0,
        states: ['reconnecting', 'failed_over'],
      })
      expectCleanStream(run.recorder)
      const coinbase = run.pipeline.feeds.getStatus().providers[1]
      expect(coinbase?.outOfOrder).toBeGreaterThan(0)
    },
  )

  for (const [name, kind] of [
    ['TLS handshake against a plain server (wss:// to ws://)', 'tls'],
    ['a TCP server that answers the handshake with garbage', 'garbage'],
  ] as const) {
    scenario(
      `${name}: never connects, the fallback serves from the start, attempts back off`,
      async (scope) => {
        let garbagePort = 0
        if (kind === 'garbage') {
          const sockets = new Set<Socket>()
          const garbage: Server = createServer((socket) => {
            sockets.add(socket)
            socket.on('error', () => undefined)
            socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\u0000\u00ff garbage')
          })
          await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve))
          scope.defer(
            () =>
              new Promise<void>((resolve) => {
                for (const socket of sockets) socket.destroy()
                garbage.close(() => {
                  resolve()
                })
              }),
          )
          const address = garbage.address()
          garbagePort = typeof address === 'object' && address !== null ? address.port : 0
        }
        const start = Date.now()
        const run = await running(scope, {
          binanceUrl: (b) =>
            kind === 'tls' ? `wss://127.0.0.1:${b.port}/ws` : `ws://127.0.0.1:${garbagePort}/ws`,
        })
        await binanceStatus(run.recorder, ['reconnecting'], start, SLACK)
        await servedBy(run.recorder, 'coinbase', start, 'the fallback')
        await sleep(HOLD)
        expect(run.recorder.prices.filter((p) => p.source === 'binance')).toEqual([])
        expectCleanStream(run.recorder)
        const text = await metrics(run.pipeline.url)
        const reconnects = metric(text, 'feed_reconnects_total', { provider: 'binance' })
        expect(reconnects).toBeGreaterThanOrEqual(2)
        expect(reconnects).toBeLessThan((Date.now() - start) / 50)
        expect(metric(text, 'feed_up', { provider: 'binance' })).toBe(0)
        expect(metric(text, 'feed_up', { provider: 'coinbase' })).toBe(1)
        expect((await fetch(`${run.pipeline.url}/health`)).status).toBe(200)
      },
    )
  }
})

describe('a burst upstream (alone: it blocks the event loop for a moment)', () => {
  scenario(
    '10,000 frames at once: all counted, order kept, the newest price arrives, other symbols unharmed',
    async (scope) => {
      const run = await running(scope)
      await servedBy(run.recorder, 'binance', 0, 'start')
      const url = run.pipeline.url
      const before = metric(await metrics(url), 'feed_messages_received_total', {
        provider: 'binance',
      })
      const rss = process.memoryUsage().rss
      const at = Date.now()
      for (let index = 0; index < 10_000; index++) run.binance.emitTicker('btcusdt@ticker')
      const lastEventTime = Date.now()
      run.binance.emitTicker('btcusdt@ticker', { c: '12345.678', E: lastEventTime })
      // The burst's last frame reaches the client, unless the client fell behind and a regular
      // tick that came after it won the conflation (newest per symbol): on a busy machine the
      // burst can take longer than a tick period to get through.
      await waitFor(
        () =>
          run.recorder
            .of('BTC', at, 'binance')
            .some((p) => p.data.includes('"price":12345.678') || p.eventTime > lastEventTime),
        'the last frame of the burst (or a newer BTC tick) at the client',
        60_000,
      )
      // ETH kept flowing from Binance after the burst, and a late joiner is served at once.
      const after = Date.now()
      await waitFor(() => run.recorder.of('ETH', after, 'binance').length >= 2, 'ETH after it')
      const late = await Recorder.connect(run.pipeline.wsUrl)
      scope.defer(() => {
        late.close()
      })
      await waitFor(() => late.of('BTC').length > 0 && late.of('ETH').length > 0, 'the late joiner')
      const text = await metrics(url)
      // A client that fell behind gets the newest price per symbol (conflation), never old ones.
      const conflated = metric(text, 'ws_conflated_messages_total') > 0
      expectCleanStream(run.recorder, { conflated })
      if (!conflated) {
        const statuses = run.recorder.statuses
          .filter((status) => status.at >= at)
          .map((status) => `${status.provider} ${status.state} (${status.reason})`)
        expect(
          run.recorder.of('BTC', at).length,
          `BTC updates after the burst; feed statuses meanwhile: ${statuses.join('; ') || 'none'}`,
        ).toBeGreaterThanOrEqual(10_001)
      }
      expect(
        metric(text, 'feed_messages_received_total', { provider: 'binance' }) - before,
      ).toBeGreaterThanOrEqual(10_001)
      expect(metric(text, 'ws_messages_sent_total', { type: 'price_update' })).toBeGreaterThan(
        run.recorder.of('BTC', at).length,
      )
      // Generous: only keeping every frame somewhere would come near it.
      expect(process.memoryUsage().rss - rss).toBeLessThan(300 * 1024 * 1024)
    },
  )
})

describe.concurrent('upstream faults through startService (default windows)', () => {
  scenario(
    'DNS failure (.invalid host): the fallback serves within seconds, /health stays ok, the primary is retried',
    async (scope) => {
      const coinbase = await fakeCoinbase(scope, 3)
      const service = await serviceOn(scope, 'ws://exchange.invalid:9443/ws', coinbase.url)
      const start = Date.now()
      const r = await Recorder.connect(`${service.url.replace('http', 'ws')}/ws`, scope.name)
      scope.defer(() => {
        r.close()
      })
      await servedBy(r, 'coinbase', start, 'the fallback')
      expect(r.prices.filter((p) => p.source === 'binance')).toEqual([])
      const binanceState = () =>
        service.feeds.getStatus().providers.find((p) => p.provider === 'binance')
      expect(['connecting', 'reconnecting']).toContain(binanceState()?.state)
      expect((await fetch(`${service.url}/health`)).status).toBe(200)
      await waitFor(() => (binanceState()?.reconnects ?? 0) >= 1, 'a retry of the primary')
    },
  )

  scenario(
    'abrupt close with the real service: clients see the fallback at once and no gap',
    async (scope) => {
      const binance = await fakeBinance(scope, 4)
      const coinbase = await fakeCoinbase(scope, 5)
      const service = await serviceOn(scope, binance.url, coinbase.url)
      const r = await Recorder.connect(`${service.url.replace('http', 'ws')}/ws`, scope.name)
      scope.defer(() => {
        r.close()
      })
      await servedBy(r, 'binance', 0, 'start')
      r.clearSeqGaps()
      const at = Date.now()
      binance.closeAll()
      await servedBy(r, 'coinbase', at, 'failover')
      await sleep(1500)
      expectCleanStream(r)
      // The service's default failbackAfter is 30 s: still on the fallback, primary reconnected.
      await waitFor(
        () => service.feeds.getStatus().providers[0]?.state === 'failed_over',
        'binance reconnected but not yet trusted',
      )
    },
  )
})

async function serviceOn(
  scope: Scope,
  binanceUrl: string,
  coinbaseUrl: string,
): Promise<RunningService> {
  const home = await mkdtemp(join(tmpdir(), 'ca-faults-'))
  scope.defer(() => rm(home, { recursive: true, force: true }))
  const service = await startService({
    port: 0,
    provider: 'binance',
    fallback: ['coinbase'],
    symbols: [...SYMBOLS],
    urls: { binance: binanceUrl, coinbase: coinbaseUrl },
    home,
  })
  scope.defer(() => service.close())
  return service
}
