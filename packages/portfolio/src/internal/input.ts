import { Decimal, normalizeSymbol, parseDecimal } from '@crypto-analyzer/core-events'
import { PortfolioError } from '../errors.js'

/** Upper-cases and validates a base symbol, as a `PortfolioError('invalid-input')`. */
export function toSymbol(input: unknown): string {
  if (typeof input !== 'string') {
    throw new PortfolioError(
      'invalid-input',
      `symbol must be a string such as "BTC" (got ${typeof input})`,
    )
  }
  try {
    return normalizeSymbol(input)
  } catch (error) {
    throw new PortfolioError('invalid-input', (error as Error).message, { cause: error })
  }
}

/**
 * Turns user input (a `Decimal` or exact decimal text) into a finite `Decimal`. Numbers are
 * refused: a float has already lost the digits the user meant.
 */
export function toDecimal(
  input: unknown,
  name: string,
  rule: 'positive' | 'non-negative' | 'any',
  example: string,
): Decimal {
  let value: Decimal | undefined
  if (Decimal.isDecimal(input)) {
    const candidate = new Decimal(input)
    value = candidate.isFinite() ? candidate : undefined
  } else if (typeof input === 'string') {
    value = parseDecimal(input.trim())
  }
  if (value === undefined) {
    const shown = typeof input === 'string' ? JSON.stringify(input) : typeof input
    throw new PortfolioError(
      'invalid-input',
      `${name} must be a decimal given as a Decimal or text (got ${shown}); e.g. ${example}`,
    )
  }
  if (rule === 'positive' && !value.isPositive()) {
    throw new PortfolioError(
      'invalid-input',
      `${name} must be greater than 0 (got ${value.toFixed()}); e.g. ${example}`,
    )
  }
  if (rule === 'positive' && value.isZero()) {
    throw new PortfolioError(
      'invalid-input',
      `${name} must be greater than 0 (got 0); e.g. ${example}`,
    )
  }
  if (rule === 'non-negative' && value.isNegative() && !value.isZero()) {
    throw new PortfolioError(
      'invalid-input',
      `${name} must not be negative (got ${value.toFixed()}); e.g. ${example}`,
    )
  }
  return value.isZero() ? new Decimal(0) : value
}

/** Validates a non-negative integer option (a duration in ms, a size). */
export function toInteger(value: unknown, fallback: number, name: string, min = 0): number {
  const result = value ?? fallback
  if (typeof result !== 'number' || !Number.isInteger(result) || result < min) {
    throw new PortfolioError(
      'invalid-config',
      `${name} must be an integer >= ${min} (got ${String(value)}); e.g. ${name}: ${fallback}`,
    )
  }
  return result
}
