/** What went wrong, for callers that branch on it (never on the message). */
export type FakeExchangeErrorReason =
  /** An option or argument is wrong; the message names it and the fix. */
  | 'invalid-options'
  /** The server could not listen (port in use, bad host). */
  | 'listen-failed'
  /** The call does not fit the server's state (e.g. `restart()` after `close()`). */
  | 'closed'
  /** `emitTicker` named a market/product the server does not list, or `readFixture` a missing file. */
  | 'not-found'

const CODES: Record<FakeExchangeErrorReason, string> = {
  'invalid-options': 'INVALID_CONFIG',
  'listen-failed': 'CONNECTION_FAILED',
  closed: 'INVALID_STATE',
  'not-found': 'NOT_FOUND',
}

/**
 * The one error class of this package. It mirrors `CryptoAnalyzerError` (a `code` from the shared
 * union plus a `reason`) without depending on core-events, so any package's tests can use the
 * fakes without a build order.
 */
export class FakeExchangeError extends Error {
  readonly code: string
  readonly reason: FakeExchangeErrorReason

  constructor(reason: FakeExchangeErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FakeExchangeError'
    this.reason = reason
    this.code = CODES[reason]
  }
}
