import type { FeedStatus, PriceUpdate } from '@crypto-analyzer/core-events'
import { createPriceFeedManager } from '../index.js'
import type { FeedError, PriceFeedManager, PriceFeedManagerOptions } from '../index.js'

export interface Harness {
  readonly manager: PriceFeedManager
  readonly updates: PriceUpdate[]
  readonly statuses: FeedStatus[]
  readonly errors: FeedError[]
  /** Updates of one symbol (and source). */
  of(symbol: string, source?: string): PriceUpdate[]
}

/** Fast reconnects and short windows so real-socket tests finish quickly. */
export const FAST_STREAM: NonNullable<PriceFeedManagerOptions['stream']> = {
  reconnectDelay: 20,
  maxReconnectDelay: 200,
  connectTimeout: 3000,
}

export function harness(options: PriceFeedManagerOptions = {}): Harness {
  const manager = createPriceFeedManager({ stream: FAST_STREAM, ...options })
  const updates: PriceUpdate[] = []
  const statuses: FeedStatus[] = []
  const errors: FeedError[] = []
  manager.addHandler((update) => updates.push(update))
  manager.onStatus((status) => statuses.push(status))
  manager.onError((error) => errors.push(error))
  return {
    manager,
    updates,
    statuses,
    errors,
    of: (symbol, source) =>
      updates.filter((u) => u.symbol === symbol && (source === undefined || u.source === source)),
  }
}
