import { CryptoAnalyzerError } from './errors.js'
import type { Decimal } from './decimal.js'

/**
 * The providers the contract names: the words a server may put in `source` and `provider`. Which
 * of them a build can stream is price-feeds' `VENUES`, so a client decodes messages from a server
 * that has a venue it does not.
 */
export type ProviderName = 'binance' | 'coinbase' | 'kraken' | 'okx' | 'bybit' | 'mock'

export const PROVIDERS: readonly ProviderName[] = [
  'binance',
  'coinbase',
  'kraken',
  'okx',
  'bybit',
  'mock',
]

/** A normalized 24h ticker from one provider. Every number is an exact `Decimal`. */
export interface PriceUpdate {
  /** Base asset, upper case (`BTC`). */
  readonly symbol: string
  /** Last traded price in the quote currency. */
  readonly price: Decimal
  /** Absolute price change over the exchange's 24h window, in the quote currency. */
  readonly change24h: Decimal
  /** Change over 24h in percent: `2.5` means 2.5 %. */
  readonly changePercent24h: Decimal
  /** Base-asset volume over 24h. */
  readonly volume24h: Decimal
  /** The exchange's event time, epoch milliseconds. */
  readonly timestamp: number
  /** The provider that produced this update. */
  readonly source: ProviderName
  readonly bid?: Decimal | undefined
  readonly ask?: Decimal | undefined
  /** When this process received the frame, epoch milliseconds (for latency figures). */
  readonly receivedAt?: number | undefined
}

/** One holding valued at the latest price. */
export interface HoldingValue {
  readonly symbol: string
  readonly amount: Decimal
  /** `amount × price`, or 0 while the price is missing. */
  readonly value: Decimal
  /** `amount × change24h` of the price. */
  readonly change24h: Decimal
  /** The price used; absent while no price has arrived. */
  readonly price?: Decimal | undefined
  /** Share of the portfolio total in percent. */
  readonly allocationPercent?: Decimal | undefined
  /** `value − amount × costBasis`, when a cost basis is known. */
  readonly unrealizedPnl?: Decimal | undefined
  /** True when the price is older than its stale window. */
  readonly stale?: boolean | undefined
}

/** The portfolio valued at one moment. Totals are the exact sums of the holdings. */
export interface PortfolioSnapshot {
  readonly totalValue: Decimal
  readonly totalChange24h: Decimal
  /** `totalChange24h / (totalValue − totalChange24h) × 100`, 0 when undefined. */
  readonly totalChangePercent24h: Decimal
  readonly holdings: readonly HoldingValue[]
  /** Symbols held that have no price yet. */
  readonly missing?: readonly string[] | undefined
  /** Symbols whose price is stale. */
  readonly stale?: readonly string[] | undefined
}

/** A price alert that fired. */
export interface AlertEvent {
  readonly id: string
  readonly symbol: string
  /** The condition as the user wrote it, normalized (`price > 50000`). */
  readonly condition: string
  readonly message: string
  /** The price that fired it. */
  readonly price: Decimal
  /** Epoch milliseconds. */
  readonly triggeredAt: number
}

/** The states a feed reports on the wire. */
export type FeedState =
  'connecting' | 'connected' | 'reconnecting' | 'stale' | 'failed_over' | 'stopped'

export const FEED_STATES: readonly FeedState[] = [
  'connecting',
  'connected',
  'reconnecting',
  'stale',
  'failed_over',
  'stopped',
]

/** A feed's health as published on the bus and the `status` room. */
export interface FeedStatus {
  readonly provider: ProviderName
  readonly state: FeedState
  readonly symbols: readonly string[]
  /** Why the state changed, for people. */
  readonly reason?: string | undefined
  /** With `reconnecting`: milliseconds from this status until the next connection attempt. */
  readonly retryInMs?: number | undefined
}

/** The kinds of event on the bus. The values are the wire `type` names. */
export const EventType = {
  PRICE_UPDATE: 'price_update',
  PORTFOLIO_UPDATE: 'portfolio_update',
  ALERT_TRIGGERED: 'alert_triggered',
  FEED_STATUS: 'feed_status',
  ERROR: 'error',
} as const
export type EventType = (typeof EventType)[keyof typeof EventType]

/** What each event type carries. */
export interface EventDataMap {
  price_update: PriceUpdate
  portfolio_update: PortfolioSnapshot
  alert_triggered: AlertEvent
  feed_status: FeedStatus
  error: CryptoAnalyzerError
}

/** An event on the bus. */
export interface StreamEvent<T = unknown> {
  readonly id: string
  readonly type: EventType
  /** Who produced it: a provider name, `portfolio`, `alerts`, ... */
  readonly source: string
  readonly symbol?: string | undefined
  readonly data: T
  /** When it was published, epoch milliseconds. */
  readonly timestamp: number
}

/** Any event whose `data` matches its `type`. */
export type AnyStreamEvent = {
  [K in EventType]: StreamEvent<EventDataMap[K]> & { readonly type: K }
}[EventType]

const SYMBOL = /^[A-Z0-9]{1,20}$/
const ASCII_SYMBOL = /^[A-Za-z0-9]{1,20}$/

/** The most symbols one run may stream. */
export const MAX_SYMBOLS = 200

/**
 * Normalizes one user-given base symbol (`btc` → `BTC`). Throws `INVALID_INPUT` naming the symbol
 * when it is not 1 to 20 characters of `A-Z0-9`.
 */
export function normalizeSymbol(input: string): string {
  const trimmed = input.trim()
  // Checked before upper-casing: 'ſol', 'ß' and 'bıtc' upper-case into ASCII ('SOL', 'SS', 'BITC').
  const symbol = ASCII_SYMBOL.test(trimmed) ? trimmed.toUpperCase() : ''
  if (!SYMBOL.test(symbol)) {
    throw new CryptoAnalyzerError(
      'INVALID_INPUT',
      `invalid symbol ${JSON.stringify(input)}: a symbol is 1 to 20 letters or digits, e.g. BTC`,
    )
  }
  return symbol
}

/**
 * Parses a symbol list such as `btc,ETH` (or an array of such items) into unique upper-case
 * symbols, in order. Throws `INVALID_INPUT` on a bad symbol, an empty list, or more than 200.
 */
export function parseSymbols(input: string | readonly string[]): string[] {
  const items = (typeof input === 'string' ? [input] : input)
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
  if (items.length === 0) {
    throw new CryptoAnalyzerError(
      'INVALID_INPUT',
      'no symbols given: name at least one, e.g. BTC,ETH',
    )
  }
  const symbols = [...new Set(items.map(normalizeSymbol))]
  if (symbols.length > MAX_SYMBOLS) {
    throw new CryptoAnalyzerError(
      'INVALID_INPUT',
      `${symbols.length} symbols given; at most ${MAX_SYMBOLS} can be streamed in one run`,
    )
  }
  return symbols
}

/** True when `value` is a contract provider name (not necessarily one this build can stream). */
export function isProviderName(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value)
}
