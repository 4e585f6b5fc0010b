import type { PriceUpdate } from '@crypto-analyzer/core-events'
import type { ParsedFrame } from '../../parsers.js'
import { joinedMarkets } from '../markets.js'
import type { MarketMap } from '../markets.js'
import {
  DropFrame,
  isObject,
  optionalPositive,
  requireInteger,
  requireNonNegative,
  requirePositive,
  requireString,
  requireTime,
} from '../fields.js'
import type { JsonObject, Mutable } from '../fields.js'
import { flatKeys, readFlatObject } from '../flat-json.js'
import { percentOf } from '../percent.js'
import type { ExchangeVenue, Subscriptions } from './venue.js'

/**
 * The channels every subscribe names: `heartbeat` is the keep-alive (a frame per product every
 * second, so the stream's `staleAfter` holds when the market is quiet).
 */
const CHANNELS = ['ticker', 'heartbeat']

/**
 * Coinbase Exchange ws-feed.
 *
 * - Markets: `BTC` + `USD` → `BTC-USD`, which is also the topic (the channels are named apart).
 * - Subscribe: `{"type":"subscribe","product_ids":[..],"channels":["ticker","heartbeat"]}` within
 *   5 s of connecting, acked by a cumulative `subscriptions` frame.
 * - A bad product fails the whole subscribe with an `error` frame that names the product in its
 *   words (`"reason":"FOO-USD is not a valid product"`): that product is rejected and the others
 *   are asked for again.
 * - Tickers carry a per-product `sequence`; the router uses it to tell replays apart.
 */
export const COINBASE: ExchangeVenue = {
  name: 'coinbase',
  description: 'Coinbase Exchange',
  defaultUrl: 'wss://ws-feed.exchange.coinbase.com',
  defaultQuote: 'USD',
  maxTopics: undefined,
  stream: {},
  ...joinedMarkets('-'),
  topic: (market) => market,
  frames: { readTicker: parseCoinbaseTicker, classify: parseCoinbaseFrame },
  subscriptions: (products) => coinbaseSubscriptions(products),
}

function coinbaseSubscriptions(products: readonly string[]): Subscriptions {
  const request = (type: 'subscribe' | 'unsubscribe', ids: readonly string[]): string =>
    JSON.stringify({ type, product_ids: ids, channels: CHANNELS })
  // A product named on its own in the error's words (not inside a longer product id).
  const named = products.map(
    (product) => [product, new RegExp(`(^|[^A-Z0-9-])${product}($|[^A-Z0-9-])`)] as const,
  )
  return {
    open: (ids) => (ids.length === 0 ? [] : [request('subscribe', ids)]),
    subscribe: (ids) => request('subscribe', ids),
    unsubscribe: (ids) => request('unsubscribe', ids),
    acknowledged() {
      // The `subscriptions` ack lists every current subscription; rejections come as errors.
    },
    rejection(frame) {
      const detail = frame.reason ?? ''
      const words = `${frame.message} ${detail}`
      const message = detail === '' ? frame.message : `${frame.message}: ${detail}`
      const topic = named.find(([, pattern]) => pattern.test(words))?.[0]
      return topic === undefined
        ? { kind: 'exchange-error', message }
        : { kind: 'rejected', topic, message, resubscribe: true }
    },
  }
}

/** Coinbase Exchange ws-feed frames. Classified by `type`; unknown types are ignored. */
function parseCoinbaseFrame(json: unknown, receivedAt: number, markets: MarketMap): ParsedFrame {
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
function parseCoinbaseTicker(
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
