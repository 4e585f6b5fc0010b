import { parseDecimal } from '@crypto-analyzer/core-events'
import type { Decimal } from '@crypto-analyzer/core-events'

/** Why a frame was dropped. */
export type DropReason =
  | 'invalid-json'
  | 'not-an-object'
  | 'missing-field'
  | 'wrong-type'
  | 'out-of-range'
  | 'unknown-market'

/** Thrown inside a parser to drop the frame; caught by the parser entry point. */
export class DropFrame extends Error {
  readonly reason: DropReason
  constructor(reason: DropReason, detail: string) {
    super(detail)
    this.reason = reason
  }
}

export type JsonObject = Readonly<Record<string, unknown>>

/** An object being built before it is handed out as its readonly type. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export function requireString(frame: JsonObject, key: string): string {
  const value = frame[key]
  if (value === undefined || value === null) throw new DropFrame('missing-field', `missing ${key}`)
  if (typeof value !== 'string') {
    throw new DropFrame('wrong-type', `${key} is a ${typeof value}, expected a string`)
  }
  return value
}

/** A decimal sent as JSON text. A JSON number here is the wrong type (and would have lost digits). */
export function requireDecimal(frame: JsonObject, key: string): Decimal {
  const text = requireString(frame, key)
  const value = parseDecimal(text)
  if (value === undefined) {
    throw new DropFrame('wrong-type', `${key} is not a decimal: ${JSON.stringify(text)}`)
  }
  return value
}

export function requirePositive(frame: JsonObject, key: string): Decimal {
  const value = requireDecimal(frame, key)
  if (!value.isPositive() || value.isZero()) {
    throw new DropFrame('out-of-range', `${key} must be > 0, got ${text(value)}`)
  }
  return value
}

export function requireNonNegative(frame: JsonObject, key: string): Decimal {
  const value = requireDecimal(frame, key)
  if (value.isNegative() && !value.isZero()) {
    throw new DropFrame('out-of-range', `${key} must be >= 0, got ${text(value)}`)
  }
  return value
}

/** An optional positive decimal (best bid/ask): absent or zero means "no such side". */
export function optionalPositive(frame: JsonObject, key: string): Decimal | undefined {
  const value = frame[key]
  if (value === undefined || value === null) return undefined
  const parsed = requireDecimal(frame, key)
  if (parsed.isNegative() && !parsed.isZero()) {
    throw new DropFrame('out-of-range', `${key} must be >= 0, got ${text(parsed)}`)
  }
  return parsed.isZero() ? undefined : parsed
}

export function requireInteger(frame: JsonObject, key: string, min: number): number {
  const value = frame[key]
  if (value === undefined || value === null) throw new DropFrame('missing-field', `missing ${key}`)
  if (typeof value !== 'number') {
    throw new DropFrame('wrong-type', `${key} is a ${typeof value}, expected an integer`)
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw new DropFrame('out-of-range', `${key} must be an integer >= ${min}, got ${value}`)
  }
  return value
}

const digitAt = (text: string, at: number): number => {
  const code = text.charCodeAt(at) - 48
  return code >= 0 && code <= 9 ? code : -1
}

/** The two-digit number at `at`, or -1 when either character is not a digit. */
const twoDigits = (text: string, at: number): number => {
  const high = digitAt(text, at)
  const low = digitAt(text, at + 1)
  return high < 0 || low < 0 ? -1 : high * 10 + low
}

/**
 * RFC 3339 text (Coinbase `time`, microseconds) to epoch milliseconds, truncating below the
 * millisecond. Strict: exactly `YYYY-MM-DDTHH:MM:SS[.1 to 9 digits](Z|+HH:MM|-HH:MM)` (`T` and
 * `Z` in either case); `Date.parse` would accept many other shapes. Read character by character
 * (no regex, no substrings): it runs for every Coinbase ticker.
 */
export function requireTime(frame: JsonObject, key: string): number {
  const value = requireString(frame, key)
  const length = value.length
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2)
  const month = twoDigits(value, 5)
  const day = twoDigits(value, 8)
  const hour = twoDigits(value, 11)
  const minute = twoDigits(value, 14)
  const second = twoDigits(value, 17)
  const t = value.charCodeAt(10)
  let ok =
    length >= 20 &&
    twoDigits(value, 0) >= 0 &&
    twoDigits(value, 2) >= 0 &&
    month >= 0 &&
    day >= 0 &&
    hour >= 0 &&
    minute >= 0 &&
    second >= 0 &&
    value.charCodeAt(4) === 45 &&
    value.charCodeAt(7) === 45 &&
    (t === 84 || t === 116) &&
    value.charCodeAt(13) === 58 &&
    value.charCodeAt(16) === 58
  let at = 19
  let ms = 0
  if (ok && value.charCodeAt(at) === 46) {
    at++
    const start = at
    for (let digit = digitAt(value, at); digit >= 0; digit = digitAt(value, ++at)) {
      if (at - start < 3) ms = ms * 10 + digit
    }
    const digits = at - start
    if (digits < 1 || digits > 9) ok = false
    for (let place = digits; place < 3; place++) ms *= 10
  }
  let offset = 0
  if (ok) {
    const zone = value.charCodeAt(at)
    if (zone === 90 || zone === 122) {
      ok = at + 1 === length
    } else if (zone === 43 || zone === 45) {
      const offsetHours = twoDigits(value, at + 1)
      const offsetMinutes = twoDigits(value, at + 4)
      ok =
        at + 6 === length &&
        offsetHours >= 0 &&
        offsetMinutes >= 0 &&
        value.charCodeAt(at + 3) === 58
      offset = (offsetHours * 60 + offsetMinutes) * 60_000 * (zone === 43 ? -1 : 1)
    } else ok = false
  }
  if (!ok) throw new DropFrame('wrong-type', `${key} is not RFC 3339: ${value}`)
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    throw new DropFrame('out-of-range', `${key} is not a valid time: ${value}`)
  }
  const epoch = Date.UTC(year, month - 1, day, hour, minute, second, ms) + offset
  if (!Number.isFinite(epoch) || epoch <= 0) {
    throw new DropFrame('out-of-range', `${key} is not a valid time: ${value}`)
  }
  return epoch
}

export const text = (value: Decimal): string => value.toFixed()
