import type { PriceUpdate, ProviderName } from '@crypto-analyzer/core-events'
import type { FeedError } from '../errors.js'

/** A provider's connection state, the same words as stream-manager's `StreamState`. */
export type LinkState =
  'idle' | 'connecting' | 'connected' | 'stale' | 'reconnecting' | 'failed' | 'stopped'

/** What a provider tells the manager. Calls never throw back into the provider. */
export interface ProviderSink {
  update(update: PriceUpdate): void
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
}

/** One running source of price updates (mock or exchange). */
export interface ProviderAdapter {
  readonly name: ProviderName
  readonly symbols: readonly string[]
  start(): void
  stop(): Promise<void>
  counters(): ProviderCounters
}
