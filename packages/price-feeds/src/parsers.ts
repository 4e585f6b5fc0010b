import { normalizeSymbol } from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'
import { FeedError } from './errors.js'
import { parseBinanceFrame, parseBinanceTicker } from './internal/binance-frames.js'
import { parseCoinbaseFrame, parseCoinbaseTicker } from './internal/coinbase-frames.js'
import { DropFrame } from './internal/fields.js'
import type { DropReason } from './internal/fields.js'
import { marketMap } from './internal/markets.js'

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
  /** Quote currency of the markets (default: binance `USDT`, coinbase `USD`). */
  readonly quote?: string
  /**
   * Base symbols subscribed. When given, a market is mapped back to its base symbol through
   * this list only (a ticker for any other market is dropped as `unknown-market`). Without it,
   * a market is accepted when it is `<BASE><QUOTE>` (binance) or `<BASE>-<QUOTE>` (coinbase)
   * for the configured quote.
   */
  readonly symbols?: readonly string[]
}

export const DEFAULT_QUOTES: Readonly<Record<'binance' | 'coinbase' | 'mock', string>> = {
  binance: 'USDT',
  coinbase: 'USD',
  mock: 'USD',
}

const validQuote = (provider: 'binance' | 'coinbase', quote: string | undefined): string => {
  if (quote === undefined) return DEFAULT_QUOTES[provider]
  try {
    return normalizeSymbol(quote)
  } catch (error) {
    throw new FeedError(
      'invalid-config',
      `quote ${JSON.stringify(quote)} is not a currency code; use e.g. ${DEFAULT_QUOTES[provider]}`,
      { provider, cause: error },
    )
  }
}

/**
 * A parser for one exchange's text frames: classifies acks, heartbeats, errors and unknown
 * types before ticker parsing, and normalizes tickers to exact-decimal `PriceUpdate`s. Malformed
 * or out-of-range tickers come back as `{kind: 'dropped', reason}`; it never throws.
 */
export function createFrameParser(
  provider: 'binance' | 'coinbase',
  options: FrameParserOptions = {},
): FrameParser {
  if ((provider as string) !== 'binance' && (provider as string) !== 'coinbase') {
    throw new FeedError(
      'invalid-config',
      `no frame parser for ${JSON.stringify(provider)}: use 'binance' or 'coinbase'`,
      { provider: 'mock' },
    )
  }
  const quote = validQuote(provider, options.quote)
  const symbols = options.symbols?.map((symbol) => {
    try {
      return normalizeSymbol(symbol)
    } catch (error) {
      throw new FeedError('invalid-config', (error as Error).message, { provider, cause: error })
    }
  })
  const markets = marketMap(provider, quote, symbols)
  const parseObject = provider === 'binance' ? parseBinanceFrame : parseCoinbaseFrame
  const parseTicker = provider === 'binance' ? parseBinanceTicker : parseCoinbaseTicker
  const values: unknown[] = []
  return {
    parse(text, receivedAt) {
      try {
        // Tickers, nearly every frame, are read without building the whole object; anything
        // else (or anything unusual) takes the JSON.parse way below, with the same verdict.
        const ticker = parseTicker(text, receivedAt, markets, values)
        if (ticker !== undefined) return ticker
      } catch (error) {
        return dropped(error)
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return { kind: 'dropped', reason: 'invalid-json', detail: 'frame is not valid JSON' }
      }
      try {
        return parseObject(json, receivedAt, markets)
      } catch (error) {
        return dropped(error)
      }
    },
  }
}

function dropped(error: unknown): ParsedFrame {
  if (error instanceof DropFrame) {
    return { kind: 'dropped', reason: error.reason, detail: error.message }
  }
  return { kind: 'dropped', reason: 'wrong-type', detail: String(error) }
}
