import { Decimal, parseDecimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'
import type { ParsedFrame } from '../parsers.js'
import type { MarketMap } from './markets.js'
import {
  DropFrame,
  isObject,
  optionalPositive,
  requireInteger,
  requireNonNegative,
  requirePositive,
  requireString,
  requireTime,
} from './fields.js'
import type { JsonObject, Mutable } from './fields.js'
import { flatKeys, readFlatObject } from './flat-json.js'

/** Decimal places of the percent change derived from `open_24h` (Binance sends 3). */
export const COINBASE_PERCENT_DECIMALS = 4

/** Coinbase Exchange ws-feed frames. Classified by `type`; unknown types are ignored. */
export function parseCoinbaseFrame(
  json: unknown,
  receivedAt: number,
  markets: MarketMap,
): ParsedFrame {
  if (!isObject(json)) throw new DropFrame('not-an-object', 'frame is not a JSON object')
  const type = requireString(json, 'type')
  switch (type) {
    case 'ticker':
      return ticker(json, receivedAt, markets)
    case 'heartbeat': {
      const product = json['product_id']
      return {
        kind: 'control',
        control: 'heartbeat',
        ...(typeof product === 'string' ? { products: [product] } : {}),
      }
    }
    case 'subscriptions':
      return { kind: 'control', control: 'subscriptions', products: tickerProducts(json) }
    case 'error': {
      const message = json['message']
      const reason = json['reason']
      return {
        kind: 'error',
        message: typeof message === 'string' ? message : 'error',
        ...(typeof reason === 'string' ? { reason } : {}),
      }
    }
    default:
      return { kind: 'ignored', type }
  }
}

const TICKER_KEYS = flatKeys(
  [
    'type',
    'product_id',
    'sequence',
    'price',
    'open_24h',
    'volume_24h',
    'time',
    'best_bid',
    'best_ask',
  ],
  [],
)

/**
 * The common case without `JSON.parse`: a `ticker` frame read by the flat reader, then
 * normalized by the same {@link ticker} as every other. `undefined`: not such a frame, or not
 * one the flat reader vouches for; {@link parseCoinbaseFrame} on `JSON.parse(text)` decides.
 * `values` is scratch space, reused across calls.
 */
export function parseCoinbaseTicker(
  text: string,
  receivedAt: number,
  markets: MarketMap,
  values: unknown[],
): ParsedFrame | undefined {
  if (!readFlatObject(text, TICKER_KEYS, values) || values[0] !== 'ticker') return undefined
  const frame: JsonObject = {
    product_id: values[1],
    sequence: values[2],
    price: values[3],
    open_24h: values[4],
    volume_24h: values[5],
    time: values[6],
    best_bid: values[7],
    best_ask: values[8],
  }
  return ticker(frame, receivedAt, markets)
}

function tickerProducts(frame: JsonObject): string[] {
  const channels = frame['channels']
  if (!Array.isArray(channels)) return []
  for (const channel of channels) {
    if (
      isObject(channel) &&
      channel['name'] === 'ticker' &&
      Array.isArray(channel['product_ids'])
    ) {
      return channel['product_ids'].filter((id): id is string => typeof id === 'string')
    }
  }
  return []
}

/**
 * Coinbase sends no change field: change = price − open_24h (exact), percent = change /
 * open_24h × 100 rounded half away from zero to 4 decimal places; open_24h = 0 gives 0 %.
 */
function ticker(frame: JsonObject, receivedAt: number, markets: MarketMap): ParsedFrame {
  const market = requireString(frame, 'product_id')
  const sequence = requireInteger(frame, 'sequence', 0)
  const price = requirePositive(frame, 'price')
  const open = requireNonNegative(frame, 'open_24h')
  const volume24h = requireNonNegative(frame, 'volume_24h')
  const timestamp = requireTime(frame, 'time')
  const bid = optionalPositive(frame, 'best_bid')
  const ask = optionalPositive(frame, 'best_ask')
  const symbol = markets.toBase(market)
  if (symbol === undefined) {
    throw new DropFrame('unknown-market', `ticker for a product not subscribed: ${market}`)
  }
  const change24h = price.minus(open)
  const update: Mutable<PriceUpdate> = {
    symbol,
    price,
    change24h,
    changePercent24h: percentOf(change24h, open),
    volume24h,
    timestamp,
    source: 'coinbase',
    receivedAt,
  }
  // Assigned rather than spread in: a spread builds and copies a throwaway object per frame.
  if (bid !== undefined) update.bid = bid
  if (ask !== undefined) update.ask = ask
  return { kind: 'price', update, market, sequence }
}

const ZERO = new Decimal(0)

/** Powers of ten as BigInt, 10^0 to 10^63 (real tickers need the first few dozen). */
const POWERS: readonly bigint[] = Array.from({ length: 64 }, (_, power) => 10n ** BigInt(power))
const tenTo = (power: number): bigint => POWERS[power] ?? 10n ** BigInt(power)

/** A non-zero decimal as `coefficient × 10^exponent`, both exact (from decimal.js's words). */
function integerParts(value: Decimal): { coefficient: bigint; exponent: number } {
  const words = value.d
  let digits = String(words[0])
  for (let i = 1; i < words.length; i++) digits += String(words[i]).padStart(7, '0')
  const coefficient = BigInt(digits)
  return {
    coefficient: value.s < 0 ? -coefficient : coefficient,
    exponent: value.e - digits.length + 1,
  }
}

/**
 * `change / open × 100`, rounded half away from zero to {@link COINBASE_PERCENT_DECIMALS}
 * places, exactly as if the quotient were computed to infinite precision.
 *
 * Rounding the percent to 4 decimals needs it only down to its 5th decimal, truncated: the
 * digits of a truncated quotient are the true quotient's leading digits, so the 5th decimal
 * (≥ 5 or not) decides exactly as the full value would, ties included. That truncated value is
 * one integer division, `change × 10^7 / open` on the decimals' integer coefficients (BigInt,
 * exact at any size), and the half-up step is `(|t| + 5) / 10`. decimal.js divided to 64
 * significant digits (and so rounded twice: at the 64th digit, then at the 4th decimal), which
 * cost more than the whole rest of a frame.
 */
export function percentOf(change: Decimal, open: Decimal): Decimal {
  if (open.isZero() || change.isZero()) return ZERO
  const c = integerParts(change)
  const o = integerParts(open)
  const shift = c.exponent - o.exponent + COINBASE_PERCENT_DECIMALS + 3
  const truncated =
    shift >= 0
      ? (c.coefficient * tenTo(shift)) / o.coefficient
      : c.coefficient / (o.coefficient * tenTo(-shift))
  const negative = truncated < 0n
  const rounded = ((negative ? -truncated : truncated) + 5n) / 10n
  if (rounded === 0n) return ZERO
  const text = `${negative ? '-' : ''}${rounded}e-${COINBASE_PERCENT_DECIMALS}`
  // Beyond 1e±100 only for absurd frames; decimal.js reads any size.
  return parseDecimal(text) ?? new Decimal(text)
}
