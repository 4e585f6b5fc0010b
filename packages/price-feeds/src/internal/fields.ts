import { Decimal, parseDecimal } from '@crypto-analyzer/core-events'

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

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

/**
 * RFC 3339 text (Coinbase `time`, microseconds) to epoch milliseconds, truncating below the
 * millisecond. Strict: `Date.parse` would accept many other shapes.
 */
export function requireTime(frame: JsonObject, key: string): number {
  const value = requireString(frame, key)
  const match = RFC3339.exec(value)
  if (match === null) throw new DropFrame('wrong-type', `${key} is not RFC 3339: ${value}`)
  const [, y, mo, d, h, mi, s, fraction = '', zulu, sign, oh, om] = match
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(s)
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    throw new DropFrame('out-of-range', `${key} is not a valid time: ${value}`)
  }
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3))
  let epoch = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms)
  if (zulu === undefined) {
    const offset = (Number(oh) * 60 + Number(om)) * 60_000
    epoch += sign === '+' ? -offset : offset
  }
  if (!Number.isFinite(epoch) || epoch <= 0) {
    throw new DropFrame('out-of-range', `${key} is not a valid time: ${value}`)
  }
  return epoch
}

export const text = (value: Decimal): string => value.toFixed()

export const HUNDRED: Decimal = new Decimal(100)
