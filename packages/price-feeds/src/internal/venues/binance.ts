import type { PriceUpdate } from '@crypto-analyzer/core-events'
import type { ParsedFrame } from '../parsers.js'
import type { MarketMap } from './markets.js'
import {
  DropFrame,
  isObject,
  optionalPositive,
  requireDecimal,
  requireInteger,
  requireNonNegative,
  requirePositive,
  requireString,
} from './fields.js'
import type { JsonObject, Mutable } from './fields.js'
import { flatKeys, readFlatObject } from './flat-json.js'

const isId = (value: unknown): value is number | string | null =>
  value === null || typeof value === 'number' || typeof value === 'string'

/**
 * Binance Spot frames on a raw (`/ws`) or combined (`/stream`) connection. Order matters:
 * replies and errors first (they have no `e`), then events by `e`; anything else is ignored.
 */
export function parseBinanceFrame(
  json: unknown,
  receivedAt: number,
  markets: MarketMap,
): ParsedFrame {
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
export function parseBinanceTicker(
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
