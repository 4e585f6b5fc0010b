import { Decimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'
import type { ParsedFrame } from '../parsers.js'
import type { MarketMap } from './markets.js'
import {
  DropFrame,
  HUNDRED,
  isObject,
  optionalPositive,
  requireInteger,
  requireNonNegative,
  requirePositive,
  requireString,
  requireTime,
} from './fields.js'
import type { JsonObject } from './fields.js'

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
  const changePercent24h = open.isZero()
    ? new Decimal(0)
    : change24h
        .times(HUNDRED)
        .dividedBy(open)
        .toDecimalPlaces(COINBASE_PERCENT_DECIMALS, Decimal.ROUND_HALF_UP)
  const update: PriceUpdate = {
    symbol,
    price,
    change24h,
    changePercent24h,
    volume24h,
    timestamp,
    source: 'coinbase',
    ...(bid === undefined ? {} : { bid }),
    ...(ask === undefined ? {} : { ask }),
    receivedAt,
  }
  return { kind: 'price', update, market, sequence }
}
