import { FakeExchangeError } from '../errors.js'
import { parseAtoms } from './fixed.js'

/** A value as it goes in an error message. */
export function show(value: unknown): string {
  try {
    // JSON.stringify gives undefined for functions and undefined (its typings say string).
    const text = JSON.stringify(value) as string | undefined
    return text ?? typeof value
  } catch {
    return typeof value
  }
}

const fail = (message: string): never => {
  throw new FakeExchangeError('invalid-options', message)
}

export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`${name} options must be an object, e.g. ${name}({ port: 0 })`)
  }
  return value as Record<string, unknown>
}

export function integerOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(
      `${name} must be an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max}, got ${show(value)}`,
    )
  }
  return value
}

/** A duration in ms: a finite number >= 0. */
export function durationOption(name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    return fail(`${name} must be a number of milliseconds >= ${min}, got ${show(value)}`)
  }
  return value
}

export function hostOption(value: unknown): string {
  if (value === undefined) return '127.0.0.1'
  if (typeof value !== 'string' || value.trim() === '') {
    return fail(`host must be a non-empty string such as '127.0.0.1', got ${show(value)}`)
  }
  return value
}

export function seedOption(value: unknown): number {
  if (value === undefined) return Math.floor(Math.random() * 2 ** 32)
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return fail(`seed must be a finite number, got ${show(value)}`)
  }
  return Math.trunc(value) >>> 0
}

export function clockOption(value: unknown): { now(): number } {
  if (value === undefined) return { now: () => Date.now() }
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { now?: unknown }).now !== 'function'
  ) {
    return fail('clock must be an object with a now(): number method (core-events Clock fits)')
  }
  return value as { now(): number }
}

export function listOption(
  name: string,
  value: unknown,
  fallback: readonly string[],
  isValid: (item: string) => boolean,
  example: string,
): string[] {
  if (value === undefined) return [...fallback]
  if (!Array.isArray(value) || value.length === 0) {
    return fail(`${name} must be a non-empty array of strings, e.g. [${example}]`)
  }
  const seen = new Set<string>()
  for (const item of value as unknown[]) {
    if (typeof item !== 'string' || !isValid(item)) {
      return fail(
        `${name} has an invalid entry ${JSON.stringify(item)}; use the native form, e.g. ${example}`,
      )
    }
    if (seen.has(item)) return fail(`${name} lists ${item} twice; list each once`)
    seen.add(item)
  }
  return [...seen]
}

export function startPricesOption(value: unknown, known: readonly string[]): Map<string, bigint> {
  const prices = new Map<string, bigint>()
  if (value === undefined) return prices
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail("startPrices must be an object of decimal strings, e.g. { BTCUSDT: '65000.00' }")
  }
  for (const [symbol, text] of Object.entries(value as Record<string, unknown>)) {
    if (!known.includes(symbol)) {
      return fail(
        `startPrices names ${symbol}, which is not a listed market; add it to the markets/products option`,
      )
    }
    const atoms = typeof text === 'string' ? parseAtoms(text) : undefined
    if (atoms === undefined || atoms <= 0n) {
      return fail(
        `startPrices.${symbol} must be positive decimal text with at most 8 decimals, e.g. '65000.00', got ${show(text)}`,
      )
    }
    prices.set(symbol, atoms)
  }
  return prices
}

export function checkDuration(method: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    return fail(`${method} takes a number of milliseconds >= 0, got ${show(value)}`)
  }
  return value
}

export function checkStringList(method: string, value: unknown): string[] {
  if (!Array.isArray(value) || (value as unknown[]).some((item) => typeof item !== 'string')) {
    return fail(`${method} takes an array of strings`)
  }
  return [...(value as string[])]
}
