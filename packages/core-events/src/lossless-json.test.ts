// The lossless parser behind decodeServerMessage, held against JSON.parse: the same verdict on
// every text, the same structure, and every number's own text kept.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { JsonNumber, parseLosslessJson } from './internal/lossless-json.js'
import type { LosslessValue } from './internal/lossless-json.js'

/** The value with each JsonNumber read as JSON.parse would read its text. */
function asNative(value: LosslessValue): unknown {
  if (value instanceof JsonNumber) return JSON.parse(value.text) as number
  if (Array.isArray(value)) return value.map(asNative)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, {
        value: asNative(value[key] as LosslessValue),
        enumerable: true,
      })
    }
    return out
  }
  return value
}

const depth = (value: unknown): number =>
  typeof value === 'object' && value !== null
    ? 1 + Math.max(0, ...Object.values(value).map(depth))
    : 0

/** JSON texts with the hard parts: escapes, control characters, surrogates, odd keys, spacing. */
const tricky = fc.oneof(
  fc.json({ maxDepth: 6 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value, null, 2)),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '{',
          '}',
          '[',
          ']',
          ',',
          ':',
          '"',
          '\\',
          '\\u0041',
          '\\ud800',
          '\\x',
          '\n',
          '\t',
          '\u0001',
          ' ',
          'true',
          'tru',
          'null',
          'false',
          '-0',
          '01',
          '1e400',
          '1.',
          '.5',
          '"__proto__"',
          '"constructor"',
          '\ud83d',
          '\ud83d\ude00',
        ),
        fc.string({ maxLength: 4 }),
      ),
      { maxLength: 24 },
    )
    .map((parts) => parts.join('')),
)

describe('parseLosslessJson', () => {
  it('gives the verdict and the structure of JSON.parse on any text, numbers as their text', () => {
    fc.assert(
      fc.property(tricky, (text) => {
        let native: unknown
        let nativeOk = true
        try {
          native = JSON.parse(text)
        } catch {
          nativeOk = false
        }
        const lossless = parseLosslessJson(text)
        if (nativeOk && depth(native) > 64) return
        expect(lossless !== undefined).toBe(nativeOk)
        if (lossless !== undefined) expect(asNative(lossless)).toEqual(native)
      }),
      { numRuns: 3000 },
    )
  })

  it('keeps the exact text of each number', () => {
    const value = parseLosslessJson('{"a":0.10000000000000000555,"b":[1e-7,-0,50000.00]}')
    expect(value).toEqual({
      a: new JsonNumber('0.10000000000000000555'),
      b: [new JsonNumber('1e-7'), new JsonNumber('-0'), new JsonNumber('50000.00')],
    })
  })

  it('reads a "__proto__" key as an ordinary key, never as the prototype', () => {
    const value = parseLosslessJson('{"__proto__":{"polluted":true},"x":1}') as Record<
      string,
      LosslessValue
    >
    expect(Object.keys(value)).toEqual(['__proto__', 'x'])
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  })

  it('refuses nesting deeper than 64 levels below the top and trailing text', () => {
    expect(parseLosslessJson(`${'['.repeat(66)}${']'.repeat(66)}`)).toBeUndefined()
    expect(parseLosslessJson(`${'['.repeat(65)}${']'.repeat(65)}`)).toBeDefined()
    expect(parseLosslessJson('{} x')).toBeUndefined()
    expect(parseLosslessJson('"a\\"')).toBeUndefined()
  })
})
