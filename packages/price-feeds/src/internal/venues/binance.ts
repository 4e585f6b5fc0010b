import type { PriceUpdate } from '@crypto-analyzer/core-events'
import type { ParsedFrame } from '../../parsers.js'
import { joinedMarkets } from '../markets.js'
import type { MarketMap } from '../markets.js'
import {
  DropFrame,
  isObject,
  optionalPositive,
  requireDecimal,
  requireInteger,
  requireNonNegative,
  requirePositive,
  requireString,
} from '../fields.js'
import type { JsonObject, Mutable } from '../fields.js'
import { flatKeys, readFlatObject } from '../flat-json.js'
import type { ExchangeVenue, Subscriptions } from './venue.js'

/**
 * Binance Spot (`/ws` raw or `/stream` combined connections).
 *
 * - Markets: `BTC` + `USDT` → `BTCUSDT`; the ticker topic is the lowercase stream `btcusdt@ticker`.
 * - Subscribe: `{"method":"SUBSCRIBE","params":[streams],"id":N}` answered `{"result":null,"id":N}`;
 *   at most 1024 streams a connection; 5 incoming messages a second, pings and pongs included.
 * - A request with one bad stream fails whole (`{"error":{..},"id":N}`): it is split in halves
 *   until the bad streams stand alone, each then rejected by name.
 * - Keep-alive: the server pings every 20 s (stream-manager answers); a connection lives 24 h, and
 *   `serverShutdown` asks for a reconnect now.
 */
export const BINANCE: ExchangeVenue = {
  name: 'binance',
  description: 'Binance Spot',
  defaultUrl: 'wss://stream.binance.com:9443/ws',
  defaultQuote: 'USDT',
  maxTopics: 1024,
  stream: {
    // Binance allows 5 incoming messages per second, pings and pongs included; SUBSCRIBE retries
    // stay well under that next to the keepalive traffic.
    rateLimit: 3,
    // Binance closes a connection at 24 h: reconnect well before, on our own terms.
    maxConnectionAge: 23 * 60 * 60 * 1000,
  },
  ...joinedMarkets(''),
  topic: (market, channel) => `${market.toLowerCase()}@${channel}`,
  frames: { readTicker: parseBinanceTicker, classify: parseBinanceFrame },
  subscriptions: () => binanceSubscriptions(),
}

/** Id'd requests: each error names the request it answers, so the driver can narrow it down. */
function binanceSubscriptions(): Subscriptions {
  let nextId = 1
  // Request id → the streams it asked for, on the current connection.
  const pending = new Map<number | string, readonly string[]>()
  const request = (method: 'SUBSCRIBE' | 'UNSUBSCRIBE', streams: readonly string[]): string => {
    const id = nextId++
    if (method === 'SUBSCRIBE') pending.set(id, [...streams])
    return JSON.stringify({ method, params: streams, id })
  }
  const subscribe = (streams: readonly string[]): string => request('SUBSCRIBE', streams)
  return {
    open(streams) {
      pending.clear()
      return streams.length === 0 ? [] : [subscribe(streams)]
    },
    subscribe,
    unsubscribe: (streams) => request('UNSUBSCRIBE', streams),
    acknowledged(frame) {
      if (frame.control === 'reply' && frame.id !== undefined && frame.id !== null) {
        pending.delete(frame.id)
      }
    },
    rejection(frame) {
      const id = frame.id
      const asked = id === undefined || id === null ? undefined : pending.get(id)
      if (id === undefined || id === null || asked === undefined) {
        return { kind: 'exchange-error', message: frame.message }
      }
      pending.delete(id)
      const [only] = asked
      if (asked.length === 1 && only !== undefined) {
        return { kind: 'rejected', topic: only, message: frame.message, resubscribe: false }
      }
      // One bad stream fails the whole request: split it until the bad ones stand alone.
      const half = Math.ceil(asked.length / 2)
      return {
        kind: 'retry',
        frames: [subscribe(asked.slice(0, half)), subscribe(asked.slice(half))],
      }
    },
  }
}

const isId = (value: unknown): value is number | string | null =>
  value === null || typeof value === 'number' || typeof value === 'string'

/**
 * Binance Spot frames on a raw (`/ws`) or combined (`/stream`) connection. Order matters:
 * replies and errors first (they have no `e`), then events by `e`; anything else is ignored.
 */
function parseBinanceFrame(json: unknown, receivedAt: number, markets: MarketMap): ParsedFrame {
  if (Array.isArray(json)) return { kind: 'ignored', type: 'array' }
  if (!isObject(json)) throw new DropFrame('not-an-object', 'frame is not a JSON object')
  let frame: JsonObject = json
  // Combined-stream wrapper: {"stream":"btcusdt@ticker","data":{...}}
  if (typeof frame['stream'] === 'string' && 'data' in frame) {
    const data = frame['data']
    if (Array.isArray(data)) return { kind: 'ignored', type: frame['stream'] }
    if (!isObject(data)) throw new DropFrame('wrong-type', 'combined-stream data is not an object')
    frame = data
  }
  if ('result' in frame && 'id' in frame) {
    const id = frame['id']
    return { kind: 'control', control: 'reply', id: isId(id) ? id : null, result: frame['result'] }
  }
  const error = frame['error']
  if (isObject(error)) {
    return errorFrame(error, frame['id'])
  }
  const type = frame['e']
  if (type === undefined) {
    // The error table form {"code":2,"msg":"..."} has no wrapper.
    if (typeof frame['code'] === 'number' && typeof frame['msg'] === 'string') {
      return errorFrame(frame, undefined)
    }
    return { kind: 'ignored', type: 'u' in frame ? 'bookTicker' : 'unknown' }
  }
  if (typeof type !== 'string') throw new DropFrame('wrong-type', 'e is not a string')
  if (type === 'serverShutdown') return { kind: 'control', control: 'shutdown' }
  // The data channels, each with its parser.
  if (type !== '24hrTicker') return { kind: 'ignored', type }
  return ticker(frame, receivedAt, markets)
}

const TICKER_KEYS = flatKeys(
  ['e', 's', 'E', 'c', 'p', 'P', 'v', 'b', 'a'],
  // With these the frame is a reply or a combined-stream wrapper, not a bare ticker.
  ['result', 'data', 'stream'],
)

/**
 * The common case without `JSON.parse`: a bare `24hrTicker` frame read by the flat reader, then
 * normalized by the same {@link ticker} as every other. `undefined`: not such a frame, or not
 * one the flat reader vouches for; {@link parseBinanceFrame} on `JSON.parse(text)` decides.
 * `values` is scratch space, reused across calls.
 */
function parseBinanceTicker(
  text: string,
  receivedAt: number,
  markets: MarketMap,
  values: unknown[],
): ParsedFrame | undefined {
  if (!readFlatObject(text, TICKER_KEYS, values) || values[0] !== '24hrTicker') return undefined
  const frame: JsonObject = {
    s: values[1],
    E: values[2],
    c: values[3],
    p: values[4],
    P: values[5],
    v: values[6],
    b: values[7],
    a: values[8],
  }
  return ticker(frame, receivedAt, markets)
}

function errorFrame(error: JsonObject, id: unknown): ParsedFrame {
  const code = error['code']
  const msg = error['msg']
  return {
    kind: 'error',
    message: typeof msg === 'string' ? msg : JSON.stringify(error),
    ...(typeof code === 'number' ? { code } : {}),
    ...(isId(id) ? { id } : {}),
  }
}

function ticker(frame: JsonObject, receivedAt: number, markets: MarketMap): ParsedFrame {
  const market = requireString(frame, 's')
  const timestamp = requireInteger(frame, 'E', 1)
  const price = requirePositive(frame, 'c')
  const change24h = requireDecimal(frame, 'p')
  const changePercent24h = requireDecimal(frame, 'P')
  const volume24h = requireNonNegative(frame, 'v')
  const bid = optionalPositive(frame, 'b')
  const ask = optionalPositive(frame, 'a')
  const symbol = markets.toBase(market)
  if (symbol === undefined) {
    throw new DropFrame('unknown-market', `ticker for a market not subscribed: ${market}`)
  }
  const update: Mutable<PriceUpdate> = {
    symbol,
    price,
    change24h,
    changePercent24h,
    volume24h,
    timestamp,
    source: 'binance',
    receivedAt,
  }
  // Assigned rather than spread in: a spread builds and copies a throwaway object per frame.
  if (bid !== undefined) update.bid = bid
  if (ask !== undefined) update.ask = ask
  return { kind: 'price', update, market }
}
