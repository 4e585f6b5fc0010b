import type { Clock, Logger, PriceUpdate, ProviderName } from '@crypto-analyzer/core-events'
import type { StreamConfig, StreamManager } from '@crypto-analyzer/stream-manager'
import type { FeedError } from '../errors.js'

/** A provider's connection state, the same words as stream-manager's `StreamState`. */
export type LinkState =
  'idle' | 'connecting' | 'connected' | 'stale' | 'reconnecting' | 'failed' | 'stopped'

/** What a provider tells the manager. Calls never throw back into the provider. */
export interface ProviderSink {
  /** `sequence`: the venue's own order of the update, when its frames carry one (Coinbase). */
  update(update: PriceUpdate, sequence?: number): void
  /** `retryInMs`: with `reconnecting`, the wait until the next connection attempt. */
  state(provider: ProviderName, state: LinkState, reason: string, retryInMs?: number): void
  error(error: FeedError): void
  /** The exchange refused `symbol`: another provider has to serve it. */
  rejected(provider: ProviderName, symbol: string, error: FeedError): void
}

export interface ProviderCounters {
  readonly state: LinkState
  readonly messagesReceived: number
  readonly uptimeSeconds: number
  readonly latencyMs: number | undefined
  readonly reconnects: number
  readonly droppedFrames: number
  readonly lastMessageAt: number | undefined
  /** `receivedAt − event time` of the last update (undefined without an exchange clock). */
  readonly exchangeLatencyMs: number | undefined
}

/** One running source of price updates (mock or exchange). */
export interface ProviderAdapter {
  readonly name: ProviderName
  readonly symbols: readonly string[]
  start(): void
  stop(): Promise<void>
  counters(): ProviderCounters
}

/** What the feed manager gives a venue to run one provider; each venue takes what it needs. */
export interface ProviderContext {
  readonly symbols: readonly string[]
  /** The manager's `quote`; undefined: the venue's default quote. */
  readonly quote: string | undefined
  /** From the venue's `resolveUrl`; undefined for an offline provider. */
  readonly url: string | undefined
  /** The manager's shared stream manager, created on first use. */
  readonly streams: () => StreamManager
  /** Caller overrides of the stream config (reconnect, heartbeat, ...). */
  readonly stream: Partial<StreamConfig>
  readonly staleAfter: number
  readonly clock: Clock
  readonly logger: Logger
  readonly sink: ProviderSink
  /** The mock's `interval` (ms) and `seed` (undefined: random). */
  readonly mock: { readonly interval: number; readonly seed: number | undefined }
}
