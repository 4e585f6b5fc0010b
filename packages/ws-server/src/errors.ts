import { CryptoAnalyzerError } from '@crypto-analyzer/core-events'
import type { ErrorCode } from '@crypto-analyzer/core-events'

/**
 * - `invalid-config`: an option of `createWsServer` is wrong (code `INVALID_CONFIG`).
 * - `missing-asset`: a dashboard file is missing from the installed package (code `INTERNAL`).
 */
export type WsServerErrorReason = 'invalid-config' | 'missing-asset'

const CODES: Record<WsServerErrorReason, ErrorCode> = {
  'invalid-config': 'INVALID_CONFIG',
  'missing-asset': 'INTERNAL',
}

/** The one error class of `@crypto-analyzer/ws-server`. */
export class WsServerError extends CryptoAnalyzerError {
  readonly reason: WsServerErrorReason

  constructor(reason: WsServerErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(CODES[reason], message, options)
    this.reason = reason
  }
}
