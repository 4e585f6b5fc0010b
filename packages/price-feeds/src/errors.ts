import { CryptoAnalyzerError } from '@crypto-analyzer/core-events'
import type { ErrorCode, ProviderName } from '@crypto-analyzer/core-events'

/**
 * What went wrong with a feed:
 * - `invalid-config`: an option or argument is wrong (thrown at once, names the fix);
 * - `invalid-state`: the call does not fit the manager's state (e.g. `addProvider` after `start`);
 * - `subscription-rejected`: the exchange refused a subscription (e.g. an unknown symbol); the
 *   exchange's own message is in `message`, the symbol in `symbol` when it could be identified;
 * - `exchange-error`: the exchange sent an error frame that is not about a subscription;
 * - `connection-failed`: the provider's connection gave up (reconnect attempts exhausted).
 */
export type FeedErrorReason =
  | 'invalid-config'
  | 'invalid-state'
  | 'subscription-rejected'
  | 'exchange-error'
  | 'connection-failed'

const CODES: Readonly<Record<FeedErrorReason, ErrorCode>> = {
  'invalid-config': 'INVALID_CONFIG',
  'invalid-state': 'INVALID_STATE',
  'subscription-rejected': 'SUBSCRIPTION_REJECTED',
  'exchange-error': 'CONNECTION_FAILED',
  'connection-failed': 'CONNECTION_FAILED',
}

export interface FeedErrorOptions {
  readonly provider: ProviderName
  readonly symbol?: string | undefined
  readonly cause?: unknown
}

/** The one error class of `@crypto-analyzer/price-feeds`. Narrow with `instanceof` and `reason`. */
export class FeedError extends CryptoAnalyzerError {
  readonly reason: FeedErrorReason
  readonly provider: ProviderName
  readonly symbol?: string

  constructor(reason: FeedErrorReason, message: string, options: FeedErrorOptions) {
    super(CODES[reason], message, 'cause' in options ? { cause: options.cause } : {})
    this.reason = reason
    this.provider = options.provider
    if (options.symbol !== undefined) this.symbol = options.symbol
  }
}
