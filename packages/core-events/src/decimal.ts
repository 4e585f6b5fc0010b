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

/**
 * Largest decimal exponent `parseDecimal` accepts, either way. An exponent is cheap to write
 * (`1e999999999999999` is 17 characters) but printing such a value in plain notation on the wire
 * never finishes, and beyond about 1e308 a JSON client reads the number as `Infinity`.
 */
const MAX_EXPONENT = 100

/** Digits per word of decimal.js's coefficient array (its `LOG_BASE`, base 1e7). */
const WORD_DIGITS = 7

/** Internal fields of a decimal.js instance, documented in its README ("Internals"). */
interface DecimalFields {
  constructor: typeof Decimal
  s: number
  e: number
  d: number[]
}

/**
 * A `Decimal` built from its parts, skipping the constructor's second parse of the text (a regex,
 * `replace`, `search` and a substring per word). The fields are written in the constructor's
 * own order so every instance has the same shape.
 */
function fromParts(sign: number, exponent: number, words: number[]): Decimal {
  const value = Object.create(Decimal.prototype) as DecimalFields
  value.constructor = Decimal
  value.s = sign
  value.e = exponent
  value.d = words
  return value as unknown as Decimal
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57

/**
 * Parses exchange or user decimal text exactly. Returns `undefined` for anything that is not a
 * plain finite decimal (empty, `NaN`, `Infinity`, hex, whitespace, a number type) and for
 * magnitudes beyond 1e±100 (see {@link MAX_EXPONENT}).
 *
 * Accepts exactly `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, at most 400 characters, in
 * one pass over the text, and yields the value `new Decimal(text)` would (same sign, exponent
 * and base-1e7 words; `src/decimal.test.ts` checks that against decimal.js itself). This runs for
 * every price field of every exchange frame, so it avoids the regex and the string copies.
 */
export function parseDecimal(text: unknown): Decimal | undefined {
  if (typeof text !== 'string') return undefined
  const length = text.length
  if (length === 0 || length > 400) return undefined
  let i = 0
  let sign = 1
  if (text.charCodeAt(0) === 45) {
    sign = -1
    i = 1
  }
  // Integer part: 0, or no leading zero.
  const intStart = i
  let code = text.charCodeAt(i)
  if (code === 48) i++
  else if (code >= 49 && code <= 57) {
    i++
    while (i < length && isDigit(text.charCodeAt(i))) i++
  } else return undefined
  const intEnd = i
  // Fraction: a point and at least one digit.
  let mantissaEnd = i
  if (i < length && text.charCodeAt(i) === 46) {
    i++
    const fractionStart = i
    while (i < length && isDigit(text.charCodeAt(i))) i++
    if (i === fractionStart) return undefined
    mantissaEnd = i
  }
  // Exponent: only its magnitude matters past 1e6 (anything that large is refused below).
  let exponent = 0
  if (i < length) {
    code = text.charCodeAt(i)
    if (code !== 101 && code !== 69) return undefined
    i++
    let exponentSign = 1
    code = text.charCodeAt(i)
    if (code === 43 || code === 45) {
      if (code === 45) exponentSign = -1
      i++
    }
    if (i === length) return undefined
    for (; i < length; i++) {
      code = text.charCodeAt(i)
      if (!isDigit(code)) return undefined
      if (exponent < 1e6) exponent = exponent * 10 + code - 48
    }
    exponent *= exponentSign
  }
  // First and last non-zero digits of the mantissa (the point, at intEnd, is not a digit).
  let first = intStart
  while (first < mantissaEnd && (first === intEnd || text.charCodeAt(first) === 48)) first++
  if (first === mantissaEnd) return fromParts(sign, 0, [0])
  let last = mantissaEnd - 1
  while (last === intEnd || text.charCodeAt(last) === 48) last--
  // Decimal exponent of the first significant digit.
  const e = (first < intEnd ? intEnd - first - 1 : intEnd - first) + exponent
  if (e > MAX_EXPONENT || e < -MAX_EXPONENT) return undefined
  // Words hold the digits of exponents 7k+6 .. 7k; the first one may be shorter.
  const words: number[] = []
  let left = (((e % WORD_DIGITS) + WORD_DIGITS) % WORD_DIGITS) + 1
  let word = 0
  for (let at = first; at <= last; at++) {
    if (at === intEnd) continue
    word = word * 10 + text.charCodeAt(at) - 48
    if (--left === 0) {
      words.push(word)
      word = 0
      left = WORD_DIGITS
    }
  }
  if (left !== WORD_DIGITS) {
    for (; left > 0; left--) word *= 10
    words.push(word)
  }
  return fromParts(sign, e, words)
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
