import { normalizeSymbol } from '@crypto-analyzer/core-events'
import type { PriceUpdate, ProviderName } from '@crypto-analyzer/core-events'
import { FeedError } from './errors.js'
import type { DropReason } from './internal/fields.js'
import { createVenueParser } from './internal/frame-parser.js'
import { EXCHANGE_VENUES, VENUE_TABLE, exchangeVenue } from './internal/venues/registry.js'
import type { ExchangeName } from './internal/venues/venue.js'

export type { DropReason } from './internal/fields.js'

/** A non-ticker frame that is part of the protocol. */
export type ControlKind =
  /** Binance `{"result":...,"id":N}` reply to a request (`result: null` = success). */
  | 'reply'
  /** Coinbase `subscriptions` ack listing every current subscription. */
  | 'subscriptions'
  /** Coinbase `heartbeat`. */
  | 'heartbeat'
  /** Binance `serverShutdown`: reconnect now. */
  | 'shutdown'

/** What one inbound frame is. */
export type ParsedFrame =
  | {
      readonly kind: 'price'
      readonly update: PriceUpdate
      /** The exchange's market name (`BTCUSDT`, `BTC-USD`). */
      readonly market: string
      /** Coinbase `sequence` (per product); absent for Binance. */
      readonly sequence?: number
    }
  | {
      readonly kind: 'control'
      readonly control: ControlKind
      /** Binance request id the reply answers. */
      readonly id?: number | string | null
      /** Binance reply `result`. */
      readonly result?: unknown
      /** Coinbase: the products subscribed on the ticker channel (`subscriptions`) or the heartbeat's product. */
      readonly products?: readonly string[]
    }
  | {
      readonly kind: 'error'
      /** The exchange's own words. */
      readonly message: string
      /** Binance error `code`. */
      readonly code?: number
      /** Binance request id the error answers. */
      readonly id?: number | string | null
      /** Coinbase error `reason` (e.g. `"FOO-USD is not a valid product"`). */
      readonly reason?: string
    }
  | { readonly kind: 'ignored'; readonly type: string }
  | { readonly kind: 'dropped'; readonly reason: DropReason; readonly detail: string }

export interface FrameParser {
  /** Classifies and normalizes one text frame. Never throws. */
  parse(text: string, receivedAt: number): ParsedFrame
}

export interface FrameParserOptions {
  /** Quote currency of the markets (default: the venue's, `DEFAULT_QUOTES`). */
  readonly quote?: string
  /**
   * Base symbols subscribed. When given, a market is mapped back to its base symbol through
   * this list only (a ticker for any other market is dropped as `unknown-market`). Without it,
   * a market is accepted when it is a market of the configured quote in the venue's naming
   * (`<BASE><QUOTE>` on Binance, `<BASE>-<QUOTE>` on Coinbase).
   */
  readonly symbols?: readonly string[]
}

/**
 * The quote currency of each implemented provider's markets unless one is set (from the venue
 * registry; a contract provider without a venue has none).
 */
export const DEFAULT_QUOTES: Readonly<Partial<Record<ProviderName, string>>> = Object.freeze(
  Object.fromEntries(VENUE_TABLE.map((venue) => [venue.name, venue.defaultQuote])),
)

/**
 * A parser for one exchange's text frames: classifies acks, heartbeats, errors and unknown
 * types before ticker parsing, and normalizes tickers to exact-decimal `PriceUpdate`s. Malformed
 * or out-of-range tickers come back as `{kind: 'dropped', reason}`; it never throws.
 */
export function createFrameParser(
  provider: ExchangeName,
  options: FrameParserOptions = {},
): FrameParser {
  const venue = exchangeVenue(provider)
  if (venue === undefined) {
    const names = EXCHANGE_VENUES.map((venue) => `'${venue.name}'`).join(' or ')
    throw new FeedError(
      'invalid-config',
      `no frame parser for ${JSON.stringify(provider)}: use ${names}`,
      { provider: 'mock' },
    )
  }
  let quote = venue.defaultQuote
  if (options.quote !== undefined) {
    try {
      quote = normalizeSymbol(options.quote)
    } catch (error) {
      throw new FeedError(
        'invalid-config',
        `quote ${JSON.stringify(options.quote)} is not a currency code; use e.g. ${venue.defaultQuote}`,
        { provider, cause: error },
      )
    }
  }
  const symbols = options.symbols?.map((symbol) => {
    try {
      return normalizeSymbol(symbol)
    } catch (error) {
      throw new FeedError('invalid-config', (error as Error).message, { provider, cause: error })
    }
  })
  return createVenueParser(venue, quote, symbols)
}
