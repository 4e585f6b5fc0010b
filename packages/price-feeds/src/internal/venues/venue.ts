import type { ProviderName } from '@crypto-analyzer/core-events'
import type { StreamConfig } from '@crypto-analyzer/stream-manager'
import type { ParsedFrame } from '../../parsers.js'
import type { MarketMap, MarketNaming } from '../markets.js'
import type { ProviderAdapter, ProviderContext } from '../provider.js'

/**
 * The contract providers that connect to an exchange: every one but the offline mock. Not each
 * has a venue yet; the registry lists those that do.
 */
export type ExchangeName = Exclude<ProviderName, 'mock'>

/** The data channels a venue serves, each with its own subscription topic and frame parser. */
export type Channel = 'ticker'

export type ControlFrame = Extract<ParsedFrame, { kind: 'control' }>
export type ErrorFrame = Extract<ParsedFrame, { kind: 'error' }>

/** What an error frame means for a venue's subscriptions; the exchange driver acts on it. */
export type Rejection =
  /** Not about a subscription we can name: reported as a `FeedError` `exchange-error`. */
  | { readonly kind: 'exchange-error'; readonly message: string }
  /**
   * The exchange refused `topic` (its words in `message`). `resubscribe`: the venue dropped the
   * whole request with it, so the topics still wanted are asked for again.
   */
  | {
      readonly kind: 'rejected'
      readonly topic: string
      readonly message: string
      readonly resubscribe: boolean
    }
  /** The venue narrows a failed request down by sending these instead (Binance halves it). */
  | { readonly kind: 'retry'; readonly frames: readonly string[] }

/**
 * A venue's subscription protocol on one stream, from one connection to the next. The driver
 * sends what it returns; the rate limit is the stream's (`ExchangeVenue.stream`).
 */
export interface Subscriptions {
  /** A new connection: forgets the last one's requests; the frames subscribing `topics` (none for none). */
  open(topics: readonly string[]): readonly string[]
  /** One frame subscribing `topics` on the current connection. */
  subscribe(topics: readonly string[]): string
  /** One frame unsubscribing `topics`. */
  unsubscribe(topics: readonly string[]): string
  /** An ack arrived (`control` `reply` / `subscriptions`). */
  acknowledged(frame: ControlFrame): void
  /** What an error frame says about the subscriptions. */
  rejection(frame: ErrorFrame): Rejection
}

/**
 * How a venue's text frames become `ParsedFrame`s. Classification comes before parsing: `price`
 * is data (each channel's parser), `control` `reply`/`subscriptions` an ack, `control`
 * `heartbeat` a heartbeat, `control` `shutdown` a request to reconnect now, `error` an error
 * frame; anything the venue does not know is `ignored`. Both functions throw `DropFrame` for a
 * malformed frame; the frame parser turns that into `{kind: 'dropped'}`.
 */
export interface VenueFrames {
  /**
   * The commonest data frame (a ticker) read in one pass from the text; `undefined` when the text
   * is not such a frame or not one the fast reader vouches for, and then {@link classify} decides
   * on `JSON.parse(text)`. `scratch` is reused across calls.
   */
  readonly readTicker: (
    text: string,
    receivedAt: number,
    markets: MarketMap,
    scratch: unknown[],
  ) => ParsedFrame | undefined
  /** Classifies any JSON value the venue sends, and parses its data frames. */
  readonly classify: (json: unknown, receivedAt: number, markets: MarketMap) => ParsedFrame
}

/**
 * The stream settings a venue needs: its limits (`rateLimit`, `maxConnectionAge`) and keep-alive
 * rules (protocol pings `heartbeatInterval`/`pongTimeout`; a text ping `keepAliveInterval` +
 * `keepAliveFrame` for venues that want one, whose answer its frames classify as control).
 */
export type VenueStreamConfig = Pick<
  StreamConfig,
  | 'rateLimit'
  | 'maxConnectionAge'
  | 'heartbeatInterval'
  | 'pongTimeout'
  | 'keepAliveInterval'
  | 'keepAliveFrame'
>

/**
 * One exchange adapter: everything that differs from one venue to the next. The exchange driver
 * (`exchange-provider.ts`) runs any of them on one stream-manager stream; the registry lists them.
 */
export interface ExchangeVenue extends MarketNaming {
  readonly name: ExchangeName
  /** What the venue is, e.g. `Binance Spot` (docs, flag help). */
  readonly description: string
  /** The real public market-data endpoint. */
  readonly defaultUrl: string
  /** Quote currency of its markets unless the caller sets one. */
  readonly defaultQuote: string
  /** Most topics one connection takes; more are refused when they are added. */
  readonly maxTopics: number | undefined
  /**
   * Limits and keep-alive (stream-manager answers the server's protocol pings and sends its own).
   * Caller overrides come on top.
   */
  readonly stream: VenueStreamConfig
  /** What a market is subscribed as on a channel: `btcusdt@ticker` (Binance), `BTC-USD` (Coinbase). */
  topic(market: string, channel: Channel): string
  readonly frames: VenueFrames
  /** The subscription protocol for one provider's `topics` (all of them, rejected ones included). */
  subscriptions(topics: readonly string[]): Subscriptions
}

/** One row of the registry: a provider the feed manager can add, exchange or offline. */
export interface VenueDefinition {
  readonly name: ProviderName
  readonly description: string
  readonly defaultQuote: string
  /** undefined: the provider connects nowhere (the mock). */
  readonly defaultUrl: string | undefined
  /** What `addProvider(name, [])` means; undefined: at least one symbol is needed. */
  readonly defaultSymbols: readonly string[] | undefined
  /** Most symbols one provider takes (they share one connection). */
  readonly maxSymbols: number | undefined
  /**
   * The URL to connect to, given the caller's override; undefined for an offline provider.
   * Throws `FeedError` `invalid-config` for anything but a ws(s) URL.
   */
  resolveUrl(override: string | undefined): string | undefined
  create(context: ProviderContext): ProviderAdapter
}
