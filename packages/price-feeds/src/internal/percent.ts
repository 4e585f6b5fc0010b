import { Decimal, parseDecimal } from '@crypto-analyzer/core-events'

/**
 * Decimal places of a percent change derived from the 24 h open (Coinbase's ticker, the mock
 * provider); Binance sends its own with 3.
 */
export const COINBASE_PERCENT_DECIMALS = 4

const ZERO = new Decimal(0)

/** Powers of ten as BigInt, 10^0 to 10^63 (real tickers need the first few dozen). */
const POWERS: readonly bigint[] = Array.from({ length: 64 }, (_, power) => 10n ** BigInt(power))
const tenTo = (power: number): bigint => POWERS[power] ?? 10n ** BigInt(power)

/** A non-zero decimal as `coefficient × 10^exponent`, both exact (from decimal.js's words). */
function integerParts(value: Decimal): { coefficient: bigint; exponent: number } {
  const words = value.d
  let digits = String(words[0])
  for (let i = 1; i < words.length; i++) digits += String(words[i]).padStart(7, '0')
  const coefficient = BigInt(digits)
  return {
    coefficient: value.s < 0 ? -coefficient : coefficient,
    exponent: value.e - digits.length + 1,
  }
}

/**
 * `change / open × 100`, rounded half away from zero to {@link COINBASE_PERCENT_DECIMALS}
 * places, exactly as if the quotient were computed to infinite precision.
 *
 * Rounding the percent to 4 decimals needs it only down to its 5th decimal, truncated: the
 * digits of a truncated quotient are the true quotient's leading digits, so the 5th decimal
 * (≥ 5 or not) decides exactly as the full value would, ties included. That truncated value is
 * one integer division, `change × 10^7 / open` on the decimals' integer coefficients (BigInt,
 * exact at any size), and the half-up step is `(|t| + 5) / 10`. decimal.js divided to 64
 * significant digits (and so rounded twice: at the 64th digit, then at the 4th decimal), which
 * cost more than the whole rest of a frame.
 */
export function percentOf(change: Decimal, open: Decimal): Decimal {
  if (open.isZero() || change.isZero()) return ZERO
  const c = integerParts(change)
  const o = integerParts(open)
  const shift = c.exponent - o.exponent + COINBASE_PERCENT_DECIMALS + 3
  const truncated =
    shift >= 0
      ? (c.coefficient * tenTo(shift)) / o.coefficient
      : c.coefficient / (o.coefficient * tenTo(-shift))
  const negative = truncated < 0n
  const rounded = ((negative ? -truncated : truncated) + 5n) / 10n
  if (rounded === 0n) return ZERO
  const text = `${negative ? '-' : ''}${rounded}e-${COINBASE_PERCENT_DECIMALS}`
  // Beyond 1e±100 only for absurd frames; decimal.js reads any size.
  return parseDecimal(text) ?? new Decimal(text)
}
