import DecimalModule from 'decimal.js'
import type { Decimal as DecimalJs } from 'decimal.js'

// decimal.js ships CommonJS-style types for its ESM build: at run time the default import is the
// class itself, while TypeScript (NodeNext) types it as the module namespace.
const DecimalClass = DecimalModule as unknown as typeof DecimalJs

/**
 * The `Decimal` every package uses: decimal.js with 64 significant digits for arithmetic, so
 * `amount × price` and sums of many holdings stay exact. Parsing keeps every digit regardless.
 * Instances interoperate with plain `decimal.js` ones.
 */
export const Decimal: typeof DecimalJs = DecimalClass.clone({ precision: 64 })
export type Decimal = DecimalJs

const DECIMAL_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

/**
 * Largest decimal exponent `parseDecimal` accepts, either way. An exponent is cheap to write
 * (`1e999999999999999` is 17 characters) but printing such a value in plain notation on the wire
 * never finishes, and beyond about 1e308 a JSON client reads the number as `Infinity`.
 */
const MAX_EXPONENT = 100

/**
 * Parses exchange or user decimal text exactly. Returns `undefined` for anything that is not a
 * plain finite decimal (empty, `NaN`, `Infinity`, hex, whitespace, a number type) and for
 * magnitudes beyond 1e±100 (see {@link MAX_EXPONENT}).
 */
export function parseDecimal(text: unknown): Decimal | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 400) return undefined
  if (!DECIMAL_TEXT.test(text)) return undefined
  const value = new Decimal(text)
  if (!value.isFinite()) return undefined
  if (!value.isZero() && Math.abs(value.e) > MAX_EXPONENT) return undefined
  return value
}

/**
 * The exact text of a decimal as it is written on the wire: no exponent, no float round trip,
 * trailing zeros dropped (`0.00014360` → `0.0001436`), negative zero written as `0`.
 */
export function formatDecimal(value: Decimal): string {
  if (!value.isFinite()) {
    throw new RangeError(`cannot write a non-finite decimal (${value.toString()}) to the wire`)
  }
  return value.isZero() ? '0' : value.toFixed()
}
