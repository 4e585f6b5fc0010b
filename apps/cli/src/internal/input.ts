import { CryptoAnalyzerError, parseDecimal } from '@crypto-analyzer/core-events'
import type { Decimal } from '@crypto-analyzer/core-events'

/**
 * A decimal typed by the user (`0.5`, `42000`), parsed exactly. Throws `INVALID_INPUT` naming
 * `what` with an example when it is not a plain decimal or not above (or at) zero.
 */
export function parseUserDecimal(
  text: string,
  what: string,
  options: { allowZero: boolean; example: string },
): Decimal {
  const value = parseDecimal(text.trim())
  const ok = value !== undefined && (options.allowZero ? value.gte(0) : value.gt(0))
  if (!ok) {
    throw new CryptoAnalyzerError(
      'INVALID_INPUT',
      `invalid ${what} ${JSON.stringify(text)}: expected a ${options.allowZero ? 'non-negative' : 'positive'} decimal number, e.g. ${options.example}`,
    )
  }
  return value
}
