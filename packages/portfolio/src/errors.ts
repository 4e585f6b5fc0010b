import { CryptoAnalyzerError } from '@crypto-analyzer/core-events'
import type { ErrorCode } from '@crypto-analyzer/core-events'

/** Why a portfolio, alert or store operation failed. */
export type PortfolioErrorReason =
  /** Options passed to a factory or method are wrong; the message names the fix. */
  | 'invalid-config'
  /** A symbol, amount, cost basis or alert definition is wrong. */
  | 'invalid-input'
  /** An alert condition does not follow the grammar; `position` points at the problem. */
  | 'invalid-condition'
  /** An alert id is already in use. */
  | 'duplicate-id'
  /** A saved-state file is not valid JSON or not a valid state document; it was left untouched. */
  | 'corrupt-file'
  /** A saved-state file was written by a newer version; it was left untouched. */
  | 'unsupported-version'
  /** Another process held the store lock for longer than `lockTimeout`. */
  | 'lock-timeout'
  /** Reading or writing a saved-state file failed (permissions, disk full, ...). */
  | 'io-error'
  /** The call does not fit the current state (e.g. monitoring twice, after `stop()`). */
  | 'invalid-state'

const CODES: Record<PortfolioErrorReason, ErrorCode> = {
  'invalid-config': 'INVALID_CONFIG',
  'invalid-input': 'INVALID_INPUT',
  'invalid-condition': 'INVALID_INPUT',
  'duplicate-id': 'INVALID_INPUT',
  'corrupt-file': 'STORAGE_ERROR',
  'unsupported-version': 'STORAGE_ERROR',
  'lock-timeout': 'TIMEOUT',
  'io-error': 'STORAGE_ERROR',
  'invalid-state': 'INVALID_STATE',
}

export interface PortfolioErrorOptions {
  readonly cause?: unknown
  /** The file (or, for another store such as Redis, the key) concerned, for store errors. */
  readonly path?: string | undefined
  /** 0-based character offset in the condition text, for `invalid-condition`. */
  readonly position?: number | undefined
}

/**
 * The one error class of `@crypto-analyzer/portfolio`. Narrow with `instanceof` and `reason`;
 * `code` is the matching core-events code (`invalid-condition` → `INVALID_INPUT`, store trouble
 * → `STORAGE_ERROR`, `lock-timeout` → `TIMEOUT`).
 */
export class PortfolioError extends CryptoAnalyzerError {
  readonly reason: PortfolioErrorReason
  readonly path?: string
  readonly position?: number

  constructor(reason: PortfolioErrorReason, message: string, options: PortfolioErrorOptions = {}) {
    super(CODES[reason], message, 'cause' in options ? { cause: options.cause } : {})
    this.reason = reason
    if (options.path !== undefined) this.path = options.path
    if (options.position !== undefined) this.position = options.position
  }
}
