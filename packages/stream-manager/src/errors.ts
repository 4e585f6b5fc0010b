import { CryptoAnalyzerError } from '@crypto-analyzer/core-events'
import type { ErrorCode } from '@crypto-analyzer/core-events'

/**
 * Why a `StreamError` was thrown. Only calls throw, and only for caller mistakes: runtime trouble
 * (closed sockets, stalls, bad frames) is reported through state changes and metrics instead.
 */
export type StreamErrorReason =
  /** A `StreamConfig` or `StreamManagerOptions` field is wrong; the message names the fix. */
  | 'invalid-config'
  /** `addStream` with a `streamId` that is already registered. */
  | 'duplicate-stream'
  /** `send`/`reconnect` for a `streamId` that is not registered. */
  | 'unknown-stream'
  /** `send` with an object that `JSON.stringify` cannot encode (cycle, BigInt, undefined). */
  | 'invalid-message'

const CODES: Readonly<Record<StreamErrorReason, ErrorCode>> = {
  'invalid-config': 'INVALID_CONFIG',
  'duplicate-stream': 'INVALID_INPUT',
  'unknown-stream': 'NOT_FOUND',
  'invalid-message': 'INVALID_INPUT',
}

export interface StreamErrorOptions {
  readonly streamId?: string | undefined
  readonly cause?: unknown
}

/** The one error class of `@crypto-analyzer/stream-manager`; branch on `reason` (or `code`). */
export class StreamError extends CryptoAnalyzerError {
  readonly reason: StreamErrorReason
  readonly streamId?: string

  constructor(reason: StreamErrorReason, message: string, options: StreamErrorOptions = {}) {
    super(CODES[reason], message, 'cause' in options ? { cause: options.cause } : {})
    this.reason = reason
    if (options.streamId !== undefined) this.streamId = options.streamId
  }
}
