import type { IncomingMessage } from 'node:http'
import { FakeExchangeError } from '../errors.js'
import { FakeBase } from './base.js'
import type { BaseOptions } from './base.js'
import type { AcceptResult, Peer } from './core.js'
import { formatFixed, formatPercent } from './fixed.js'
import { MarketState, createSpec } from './market.js'
import type { Increments } from './market.js'
import { checkStringList } from './validate.js'

export interface BinanceSettings extends BaseOptions {
  markets: readonly string[]
  pingInterval: number
  pongTimeout: number
  maxStreamsPerConnection: number
  seed: number
  startPrices: ReadonlyMap<string, bigint>
}

interface PendingPing {
  payload: string
  at: number
}

interface BinancePeer {
  /** Subscribed stream names in subscription order. */
  streams: Set<string>
  /** `{"stream":..,"data":..}` wrapper (/stream endpoint or SET_PROPERTY combined). */
  combined: boolean
  pings: PendingPing[]
  pongTimer: NodeJS.Timeout | undefined
}

/** Binance quote assets, longest first so `FDUSD` wins over `USD`. */
const QUOTES = [
  'FDUSD',
  'USDT',
  'USDC',
  'BUSD',
  'TUSD',
  'DAI',
  'USD',
  'EUR',
  'GBP',
  'TRY',
  'BTC',
  'ETH',
  'BNB',
]

/** Splits a Binance symbol into base/quote by its known quote suffix (`BTCUSDT` → BTC, USDT). */
function splitSymbol(symbol: string): { base: string; quote: string } {
  for (const quote of QUOTES) {
    if (symbol.length > quote.length && symbol.endsWith(quote)) {
      return { base: symbol.slice(0, -quote.length), quote }
    }
  }
  return { base: symbol, quote: 'USDT' }
}

/** Real increments of the default markets (Binance exchangeInfo). */
const INCREMENTS: Readonly<Record<string, Increments>> = {
  BTCUSDT: { tick: '0.01', lot: '0.00001' },
  ETHUSDT: { tick: '0.01', lot: '0.0001' },
  ADAUSDT: { tick: '0.0001', lot: '0.1' },
  DOTUSDT: { tick: '0.001', lot: '0.01' },
  LINKUSDT: { tick: '0.01', lot: '0.01' },
  SOLUSDT: { tick: '0.01', lot: '0.001' },
  BNBBTC: { tick: '0.000001', lot: '0.001' },
  DOGEBNB: { tick: '0.00000001', lot: '1' },
}

type StreamKind = 'ticker' | 'miniTicker' | 'bookTicker'
const KINDS: ReadonlySet<string> = new Set<StreamKind>(['ticker', 'miniTicker', 'bookTicker'])
const METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY']
const MAX_PENDING_PINGS = 64
const DAY_MS = 86_400_000

type RequestId = number | string | null
interface BinanceErrorBody {
  code: number
  msg: string
}

/** Binance wire texts. Sources in README "Protocol notes"; those marked there as unverified are our choice. */
const ERR = {
  invalidJson: (detail: string): BinanceErrorBody => ({ code: 3, msg: `Invalid JSON: ${detail}` }),
  notObject: { code: 2, msg: 'Invalid request: request must be a JSON object' },
  badId: { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' },
  missingField: (field: string, text: string): BinanceErrorBody => ({
    code: 2,
    msg: `Invalid request: missing field \`${field}\` at ${position(text)}`,
  }),
  unknownMethod: (method: string): BinanceErrorBody => ({
    code: 2,
    msg: `Invalid request: unknown variant \`${method}\`, expected one of ${METHODS.map((m) => `\`${m}\``).join(', ')}`,
  }),
  expected: (type: string): BinanceErrorBody => ({
    code: 1,
    msg: `Invalid value type: expected ${type}`,
  }),
  tooManyParams: { code: 2, msg: 'Invalid request: too many parameters' },
  notEnoughParams: { code: 2, msg: 'Invalid request: not enough parameters' },
  unknownProperty: { code: 0, msg: 'Unknown property' },
  invalidStream: { code: 2, msg: 'Invalid request: invalid stream' },
  tooManyStreams: { code: 4, msg: 'Too many subscriptions' },
} satisfies Record<string, BinanceErrorBody | ((...args: never[]) => BinanceErrorBody)>

/** serde_json's "line L column C" of the end of the text (where it notices a missing field). */
function position(text: string): string {
  const lines = text.split('\n')
  return `line ${lines.length} column ${(lines[lines.length - 1] ?? '').length}`
}

function isRequestId(value: unknown): value is RequestId {
  if (value === null) return true
  if (typeof value === 'number') return Number.isInteger(value)
  return typeof value === 'string' && /^[A-Za-z0-9]{1,36}$/.test(value)
}

export class FakeBinanceServer extends FakeBase<BinancePeer> {
  private readonly markets = new Map<string, MarketState>()
  private readonly settings: BinanceSettings
  private rejected = new Set<string>()
  private pingTimer: NodeJS.Timeout | undefined

  constructor(settings: BinanceSettings) {
    super(settings)
    this.settings = settings
    const now = settings.clock.now()
    for (const symbol of settings.markets) {
      const { base, quote } = splitSymbol(symbol)
      const spec = createSpec(symbol, base, quote, { known: INCREMENTS[symbol] })
      this.markets.set(
        symbol.toLowerCase(),
        new MarketState(spec, settings.seed, now, settings.startPrices.get(symbol)),
      )
    }
  }

  get url(): string {
    return `ws://${this.authority}/ws`
  }

  override async start(): Promise<void> {
    await super.start()
    this.pingTimer = this.every(this.settings.pingInterval, () => {
      this.sendPings()
    })
  }

  subscriptions(): string[] {
    const all = new Set<string>()
    for (const peer of this.peers) for (const stream of peer.state.streams) all.add(stream)
    return [...all]
  }

  rejectSymbols(streams: readonly string[]): void {
    this.rejected = new Set(
      checkStringList('rejectSymbols', streams).map((s) => normalizeReject(s)),
    )
  }

  serverShutdown(): void {
    const now = this.clock.now()
    const payload = JSON.stringify({ e: 'serverShutdown', E: now })
    for (const peer of this.peers) {
      peer.send(peer.state.combined ? wrap('!serverShutdown', payload) : payload)
    }
  }

  emitTicker(stream: string, overrides?: Readonly<Record<string, unknown>>): void {
    const name = stream.includes('@') ? stream : `${stream.toLowerCase()}@ticker`
    const parsed = this.parseStream(name)
    if (parsed === undefined) {
      throw new FakeExchangeError(
        'not-found',
        `emitTicker('${stream}'): not a stream of a listed market; use e.g. 'btcusdt@ticker' and list the market in options.markets`,
      )
    }
    if (!this.dataFlows) return
    const now = this.clock.now()
    parsed.market.step(now)
    const payload = render(parsed.kind, parsed.market, now)
    if (overrides !== undefined) {
      for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) Reflect.deleteProperty(payload, key)
        else payload[key] = value
      }
    }
    const text = JSON.stringify(payload)
    for (const peer of this.peers) {
      if (peer.state.streams.has(name)) peer.send(peer.state.combined ? wrap(name, text) : text)
    }
  }

  protected onAccept(request: IncomingMessage): AcceptResult<BinancePeer> {
    const url = new URL(request.url ?? '/', 'http://fake')
    const path = url.pathname.replace(/\/+$/, '')
    let streams: string[]
    let combined = false
    if (path === '/ws') streams = []
    else if (path.startsWith('/ws/')) streams = path.slice(4).split('/').map(decodeURIComponent)
    else if (path === '/stream') {
      combined = true
      streams = (url.searchParams.get('streams') ?? '').split('/')
    } else {
      return { ok: false, status: 404, statusText: 'Not Found', body: 'Not Found' }
    }
    streams = streams.filter((s) => s !== '')
    for (const stream of streams) {
      if (this.parseStream(stream) === undefined || this.isRejected(stream)) {
        return { ok: false, status: 400, statusText: 'Bad Request', body: ERR.invalidStream.msg }
      }
    }
    if (new Set(streams).size > this.settings.maxStreamsPerConnection) {
      return { ok: false, status: 400, statusText: 'Bad Request', body: ERR.tooManyStreams.msg }
    }
    return {
      ok: true,
      state: { streams: new Set(streams), combined, pings: [], pongTimer: undefined },
    }
  }

  protected onOpen(): void {
    // Nothing is sent on connect; data starts with the next tick.
  }

  protected onMessage(peer: Peer<BinancePeer>, text: string): void {
    let request: unknown
    try {
      request = JSON.parse(text)
    } catch (error) {
      this.reply(
        peer,
        null,
        ERR.invalidJson(error instanceof Error ? error.message : 'parse error'),
      )
      return
    }
    this.requests.push(request)
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      this.reply(peer, null, ERR.notObject)
      return
    }
    const fields = request as Record<string, unknown>
    const rawId = fields['id'] ?? null
    if (!isRequestId(rawId)) {
      this.reply(peer, null, ERR.badId)
      return
    }
    const id = rawId
    const method = fields['method']
    if (method === undefined) {
      this.reply(peer, id, ERR.missingField('method', text))
      return
    }
    const params = fields['params']
    switch (method) {
      case 'SUBSCRIBE':
        this.subscribe(peer, id, params, text)
        return
      case 'UNSUBSCRIBE':
        this.unsubscribe(peer, id, params, text)
        return
      case 'LIST_SUBSCRIPTIONS':
        if (Array.isArray(params) && params.length > 0) this.reply(peer, id, ERR.tooManyParams)
        else this.result(peer, id, [...peer.state.streams])
        return
      case 'SET_PROPERTY':
        this.property(peer, id, 'SET_PROPERTY', params)
        return
      case 'GET_PROPERTY':
        this.property(peer, id, 'GET_PROPERTY', params)
        return
      default:
        this.reply(
          peer,
          id,
          ERR.unknownMethod(typeof method === 'string' ? method : JSON.stringify(method)),
        )
    }
  }

  protected onPong(peer: Peer<BinancePeer>, payload: Buffer): void {
    const state = peer.state
    const text = payload.toString('utf8')
    // Only a pong echoing an outstanding ping's payload counts; unsolicited pongs do not.
    const index = state.pings.findIndex((ping) => ping.payload === text)
    if (index < 0) return
    state.pings.splice(0, index + 1)
    this.clearPongTimer(state)
    this.armPongTimer(peer)
  }

  protected onPeerClosed(peer: Peer<BinancePeer>): void {
    this.clearPongTimer(peer.state)
  }

  protected onTick(): void {
    if (!this.dataFlows) return
    const now = this.clock.now()
    const texts = new Map<string, string>()
    const stepped = new Set<MarketState>()
    for (const peer of this.peers) {
      for (const stream of peer.state.streams) {
        let text = texts.get(stream)
        if (text === undefined) {
          const parsed = this.parseStream(stream)
          if (parsed === undefined) continue
          if (!stepped.has(parsed.market)) {
            parsed.market.step(now)
            stepped.add(parsed.market)
          }
          text = JSON.stringify(render(parsed.kind, parsed.market, now))
          texts.set(stream, text)
        }
        peer.send(peer.state.combined ? wrap(stream, text) : text)
      }
    }
  }

  protected onStall(): void {
    // A stalled server sends no pings, so it cannot time anyone out either.
    for (const peer of this.peers) {
      peer.state.pings = []
      this.clearPongTimer(peer.state)
    }
  }

  protected stopTimers(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer)
    this.pingTimer = undefined
    for (const peer of this.peers) this.clearPongTimer(peer.state)
  }

  private subscribe(peer: Peer<BinancePeer>, id: RequestId, params: unknown, text: string): void {
    const streams = this.streamParams(peer, id, params, text)
    if (streams === undefined) return
    for (const stream of streams) {
      if (this.parseStream(stream) === undefined || this.isRejected(stream)) {
        this.reply(peer, id, ERR.invalidStream)
        return
      }
    }
    const next = new Set([...peer.state.streams, ...streams])
    if (next.size > this.settings.maxStreamsPerConnection) {
      this.reply(peer, id, ERR.tooManyStreams)
      return
    }
    peer.state.streams = next
    this.result(peer, id, null)
  }

  private unsubscribe(peer: Peer<BinancePeer>, id: RequestId, params: unknown, text: string): void {
    const streams = this.streamParams(peer, id, params, text)
    if (streams === undefined) return
    for (const stream of streams) peer.state.streams.delete(stream)
    this.result(peer, id, null)
  }

  private streamParams(
    peer: Peer<BinancePeer>,
    id: RequestId,
    params: unknown,
    text: string,
  ): string[] | undefined {
    if (params === undefined) {
      this.reply(peer, id, ERR.missingField('params', text))
      return undefined
    }
    if (!Array.isArray(params)) {
      this.reply(peer, id, ERR.expected('Array'))
      return undefined
    }
    if ((params as unknown[]).some((p) => typeof p !== 'string')) {
      this.reply(peer, id, ERR.expected('String'))
      return undefined
    }
    return params as string[]
  }

  private property(
    peer: Peer<BinancePeer>,
    id: RequestId,
    method: 'SET_PROPERTY' | 'GET_PROPERTY',
    params: unknown,
  ): void {
    const wanted = method === 'SET_PROPERTY' ? 2 : 1
    if (!Array.isArray(params)) {
      this.reply(peer, id, ERR.expected('Array'))
      return
    }
    const list = params as unknown[]
    if (list.length !== wanted) {
      this.reply(peer, id, list.length > wanted ? ERR.tooManyParams : ERR.notEnoughParams)
      return
    }
    if (list[0] !== 'combined') {
      this.reply(peer, id, ERR.unknownProperty)
      return
    }
    if (method === 'GET_PROPERTY') {
      this.result(peer, id, peer.state.combined)
      return
    }
    if (typeof list[1] !== 'boolean') {
      this.reply(peer, id, ERR.expected('Boolean'))
      return
    }
    peer.state.combined = list[1]
    this.result(peer, id, null)
  }

  private result(peer: Peer<BinancePeer>, id: RequestId, result: unknown): void {
    peer.send(JSON.stringify({ result, id }))
  }

  private reply(peer: Peer<BinancePeer>, id: RequestId, error: BinanceErrorBody): void {
    peer.send(JSON.stringify({ error, id }))
  }

  private parseStream(stream: string): { market: MarketState; kind: StreamKind } | undefined {
    const at = stream.indexOf('@')
    if (at <= 0) return undefined
    const symbol = stream.slice(0, at)
    const kind = stream.slice(at + 1)
    // Stream names are lowercase symbols; an uppercase one is a client bug we want tests to see.
    if (symbol !== symbol.toLowerCase() || !KINDS.has(kind)) return undefined
    const market = this.markets.get(symbol)
    return market === undefined ? undefined : { market, kind: kind as StreamKind }
  }

  private isRejected(stream: string): boolean {
    return this.rejected.has(stream) || this.rejected.has(stream.slice(0, stream.indexOf('@')))
  }

  private sendPings(): void {
    if (this.core.stalled) return
    const now = this.clock.now()
    for (const peer of this.peers) {
      const payload = String(now)
      const pings = peer.state.pings
      pings.push({ payload, at: now })
      if (pings.length > MAX_PENDING_PINGS) pings.shift()
      peer.ping(Buffer.from(payload))
      this.armPongTimer(peer)
    }
  }

  private armPongTimer(peer: Peer<BinancePeer>): void {
    const state = peer.state
    const oldest = state.pings[0]
    if (state.pongTimer !== undefined || oldest === undefined || peer.closed) return
    const wait = Math.max(0, oldest.at + this.settings.pongTimeout - this.clock.now())
    state.pongTimer = setTimeout(() => {
      state.pongTimer = undefined
      if (this.core.stalled || peer.closed) return
      const first = state.pings[0]
      if (first !== undefined && this.clock.now() - first.at >= this.settings.pongTimeout) {
        // Binance drops a client that did not pong in time (no close frame).
        peer.terminate()
        return
      }
      this.armPongTimer(peer)
    }, wait)
    state.pongTimer.unref()
  }

  private clearPongTimer(state: BinancePeer): void {
    if (state.pongTimer !== undefined) clearTimeout(state.pongTimer)
    state.pongTimer = undefined
  }
}

function normalizeReject(entry: string): string {
  const at = entry.indexOf('@')
  return at < 0 ? entry.toLowerCase() : `${entry.slice(0, at).toLowerCase()}${entry.slice(at)}`
}

function wrap(stream: string, payload: string): string {
  return `{"stream":${JSON.stringify(stream)},"data":${payload}}`
}

/** One payload in Binance's exact field order (fixtures/binance-*.jsonl). */
function render(kind: StreamKind, m: MarketState, now: number): Record<string, unknown> {
  const s = m.spec.symbol
  const f = (value: bigint): string => formatFixed(value)
  if (kind === 'bookTicker') {
    return { u: m.updateId, s, b: f(m.bid), B: f(m.bidQty), a: f(m.ask), A: f(m.askQty) }
  }
  if (kind === 'miniTicker') {
    return {
      e: '24hrMiniTicker',
      E: now,
      s,
      c: f(m.last),
      o: f(m.open),
      h: f(m.high),
      l: f(m.low),
      v: f(m.volume),
      q: f(m.quoteVolume),
    }
  }
  const change = m.last - m.open
  // Statistics close a few ms before the event; the window is exactly 24 h.
  const closeTime = now - (m.lastTradeId % 5)
  return {
    e: '24hrTicker',
    E: now,
    s,
    p: f(change),
    P: formatPercent(change, m.open),
    w: f(m.weightedAverage()),
    x: f(m.open),
    c: f(m.last),
    Q: f(m.lastQty),
    b: f(m.bid),
    B: f(m.bidQty),
    a: f(m.ask),
    A: f(m.askQty),
    o: f(m.open),
    h: f(m.high),
    l: f(m.low),
    v: f(m.volume),
    q: f(m.quoteVolume),
    O: closeTime - DAY_MS,
    C: closeTime,
    F: m.firstTradeId,
    L: m.lastTradeId,
    n: m.lastTradeId - m.firstTradeId + 1,
  }
}
