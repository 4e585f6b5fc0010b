/**
 * Every failure crypto-analyzer reports is a `CryptoAnalyzerError` (or a package subclass of it)
 * with a `code` from this closed union. Callers branch on `code`, never on the message.
 */
export type ErrorCode =
  /** Options passed to a factory are wrong; the message names the option and the fix. */
  | 'INVALID_CONFIG'
  /** User input (a symbol, an amount, an alert condition, a flag) is wrong. */
  | 'INVALID_INPUT'
  /** A frame or message could not be parsed or failed validation. */
  | 'MALFORMED_FRAME'
  /** An upstream connection could not be opened or was lost. */
  | 'CONNECTION_FAILED'
  /** Something did not happen within its deadline. */
  | 'TIMEOUT'
  /** An exchange rejected a subscription (e.g. an unknown symbol). */
  | 'SUBSCRIPTION_REJECTED'
  /** A rate limit was hit. */
  | 'RATE_LIMITED'
  /** A bounded buffer or queue was full. */
  | 'BUFFER_OVERFLOW'
  /** Saved state could not be read or written. */
  | 'STORAGE_ERROR'
  /** A named thing (stream, alert, holding) does not exist. */
  | 'NOT_FOUND'
  /** The call does not fit the object's current state (e.g. after `stop()`). */
  | 'INVALID_STATE'
  /** A bug: please report it. */
  | 'INTERNAL'

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'INVALID_CONFIG',
  'INVALID_INPUT',
  'MALFORMED_FRAME',
  'CONNECTION_FAILED',
  'TIMEOUT',
  'SUBSCRIPTION_REJECTED',
  'RATE_LIMITED',
  'BUFFER_OVERFLOW',
  'STORAGE_ERROR',
  'NOT_FOUND',
  'INVALID_STATE',
  'INTERNAL',
])

export interface CryptoAnalyzerErrorOptions {
  readonly cause?: unknown
}

/** The base error of every crypto-analyzer package. Subclass once per package. */
export class CryptoAnalyzerError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options: CryptoAnalyzerErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined)
    if (!ERROR_CODES.has(code)) {
      throw new TypeError(`unknown CryptoAnalyzerError code ${JSON.stringify(code)}`)
    }
    this.code = code
    this.name = new.target.name
  }
}

/** True for any `CryptoAnalyzerError`, including subclasses from other copies of this package. */
export function isCryptoAnalyzerError(value: unknown): value is CryptoAnalyzerError {
  if (value instanceof CryptoAnalyzerError) return true
  return (
    value instanceof Error &&
    'code' in value &&
    typeof value.code === 'string' &&
    ERROR_CODES.has(value.code)
  )
}
