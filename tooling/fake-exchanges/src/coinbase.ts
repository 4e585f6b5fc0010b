import { FakeCoinbaseServer } from './internal/coinbase-server.js'
import {
  checkObject,
  clockOption,
  durationOption,
  hostOption,
  integerOption,
  listOption,
  seedOption,
  startPricesOption,
} from './internal/validate.js'
import type { FakeExchange, FakeExchangeOptions } from './types.js'

export interface FakeCoinbaseOptions extends FakeExchangeOptions {
  /** Product ids it lists (default BTC-USD ETH-USD ADA-USD DOT-USD LINK-USD SOL-USD). */
  products?: readonly string[]
  /** Milliseconds between heartbeats per subscribed product (default 1000); 0 = none. */
  heartbeatInterval?: number
  /** A client that has not subscribed successfully by then is closed with 1008 (default 5000); 0 = never. */
  subscribeDeadline?: number
  /** Client frames per rolling second before a 1008 close (default 100, Coinbase's per-IP limit); 0 = unlimited. */
  maxIncomingPerSecond?: number
}

export interface FakeCoinbase extends FakeExchange {
  /** `ws://127.0.0.1:<port>` */
  readonly url: string
  /** Product ids subscribed on the ticker channel by any connection. */
  subscriptions(): string[]
  /** Pushes one ticker of `productId` (e.g. `BTC-USD`) to its ticker subscribers now. */
  emitTicker(productId: string, overrides?: Readonly<Record<string, unknown>>): void
  /**
   * Subscribing to these gets `{"type":"error","message":"Failed to subscribe","reason":"<ID> is not a valid product"}`.
   * Replaces the previous list; `[]` clears it.
   */
  rejectProducts(ids: readonly string[]): void
}

export const DEFAULT_COINBASE_PRODUCTS: readonly string[] = [
  'BTC-USD',
  'ETH-USD',
  'ADA-USD',
  'DOT-USD',
  'LINK-USD',
  'SOL-USD',
]

const isProductId = (id: string): boolean => /^[A-Z0-9]+-[A-Z0-9]+$/.test(id)

/** Starts a fake Coinbase Exchange (ws-feed) WebSocket server on 127.0.0.1. */
export async function startFakeCoinbase(options?: FakeCoinbaseOptions): Promise<FakeCoinbase> {
  const raw = checkObject('startFakeCoinbase', options)
  const products = listOption(
    'products',
    raw['products'],
    DEFAULT_COINBASE_PRODUCTS,
    isProductId,
    "'BTC-USD', 'ETH-EUR'",
  )
  const server = new FakeCoinbaseServer({
    host: hostOption(raw['host']),
    port: integerOption('port', raw['port'], 0, 0, 65_535),
    clock: clockOption(raw['clock']),
    tickInterval: durationOption('tickInterval', raw['tickInterval'], 1000),
    maxIncomingPerSecond: integerOption(
      'maxIncomingPerSecond',
      raw['maxIncomingPerSecond'],
      100,
      0,
    ),
    products,
    heartbeatInterval: durationOption('heartbeatInterval', raw['heartbeatInterval'], 1000),
    subscribeDeadline: durationOption('subscribeDeadline', raw['subscribeDeadline'], 5000),
    seed: seedOption(raw['seed']),
    startPrices: startPricesOption(raw['startPrices'], products),
  })
  await server.start()
  return server
}
