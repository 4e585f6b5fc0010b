import { Decimal } from '@crypto-analyzer/core-events'

/**
 * The class valuation arithmetic runs in. Products and sums need at most the digits of their
 * operands combined, so with 1000 significant digits `amount × price` and every total are exact
 * for any input `parseDecimal` accepts (400 characters at most). Results are handed out as
 * core-events `Decimal` instances (construction keeps every digit).
 */
export const Exact: typeof Decimal = Decimal.clone({ precision: 1000 })
export type Exact = Decimal

export const ZERO: Decimal = new Exact(0)

/** Re-homes an exact value in the core-events `Decimal` class without rounding. */
export const toPublic = (value: Decimal): Decimal => new Decimal(value)
