import type { Clock, Logger, PriceUpdate, StreamEventBus } from '@crypto-analyzer/core-events'

// Placeholder until @crypto-analyzer/price-feeds is built.
export type MonitoringOptions = Record<string, unknown>

export interface OwnedFeed {
  stop(): Promise<void>
}

export interface FeedContext {
  readonly symbols: readonly string[]
  readonly bus: StreamEventBus | undefined
  readonly clock: Clock
  readonly logger: Logger
  readonly onPrice: (update: PriceUpdate) => void
}

export function startFeed(_options: MonitoringOptions, _context: FeedContext): Promise<OwnedFeed> {
  return Promise.reject(new Error('not yet'))
}
