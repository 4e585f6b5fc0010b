// The flat reader must never disagree with JSON.parse: whatever it accepts, JSON.parse accepts
// with the same values for every key asked for. Internal on purpose: through the public parser
// a disagreement would only show as one odd frame now and then.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { flatKeys, readFlatObject } from './flat-json.js'

const WANTED = ['e', 'E', 's', 'price', 'open_24h', 'time', 'x']
const GIVE_UP = ['result', 'data']
const keys = flatKeys(WANTED, GIVE_UP)

const plainText = fc.stringMatching(/^[A-Za-z0-9 .:_-]{0,12}$/)
const key = fc.oneof(fc.constantFrom(...WANTED, ...GIVE_UP, 'ee', 'pric', 'q'), plainText)
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: plainText },
  { weight: 4, arbitrary: fc.oneof(fc.double(), fc.integer()) },
  { weight: 2, arbitrary: fc.constantFrom(true, false, null, -0, 1e300, 5e-324) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom([1], { a: 1 }) },
)
const record = fc.dictionary(key, value, { maxKeys: 10 }).map((r) => JSON.stringify(r))

/** A JSON number-like token: valid or nearly. */
const numberToken = fc.stringMatching(/^-?[0-9]{0,3}(\.[0-9]{0,2})?([eE][+-]?[0-9]{0,2})?$/)

/** One edit at a random place with a character that matters to the grammar. */
const edited = fc
  .tuple(
    record,
    fc.nat(),
    fc.constantFrom(
      '"',
      '\\',
      ',',
      ':',
      ';',
      '{',
      '}',
      '[',
      ' ',
      '\t',
      '-',
      '+',
      '.',
      'e',
      '0',
      'n',
      '\u0000',
    ),
    fc.constantFrom('insert', 'replace', 'delete'),
  )
  .map(([text, at, char, how]) => {
    const i = at % (text.length + 1)
    if (how === 'insert') return text.slice(0, i) + char + text.slice(i)
    if (how === 'replace') return text.slice(0, i) + char + text.slice(i + 1)
    return text.slice(0, i) + text.slice(i + 1)
  })

/** A separator or bracket swapped for another character. */
const swapped = fc
  .tuple(
    record,
    fc.constantFrom(',', ':', '{', '}', '"'),
    fc.constantFrom(';', ' ', ':', ',', '}', '"', 'x'),
  )
  .map(([text, from, to]) => text.replace(from, to))

const anyText = fc.oneof(
  record,
  edited,
  swapped,
  numberToken.map((token) => `{"E":${token},"s":"BTC"}`),
  fc.tuple(plainText, plainText).map(([a, b]) => `${a}{"e":"${b}"}${a}`),
  fc.string({ maxLength: 30 }),
)

const parse = (text: string): { valid: true; value: unknown } | { valid: false } => {
  try {
    return { valid: true, value: JSON.parse(text) }
  } catch {
    return { valid: false }
  }
}

describe('readFlatObject', () => {
  it('accepts only what JSON.parse reads, with the same value for every wanted key', () => {
    let accepted = 0
    fc.assert(
      fc.property(anyText, (text) => {
        const values: unknown[] = []
        if (!readFlatObject(text, keys, values)) return
        accepted++
        const parsed = parse(text)
        expect(parsed.valid).toBe(true)
        if (!parsed.valid) return
        expect(typeof parsed.value === 'object' && parsed.value !== null).toBe(true)
        expect(Array.isArray(parsed.value)).toBe(false)
        const object = parsed.value as Record<string, unknown>
        WANTED.forEach((name, slot) => {
          expect(
            Object.is(values[slot], Object.hasOwn(object, name) ? object[name] : undefined),
          ).toBe(true)
        })
        for (const name of GIVE_UP) expect(Object.hasOwn(object, name)).toBe(false)
      }),
      { numRuns: 5000, seed: 20251126 },
    )
    // The property means something only if the reader accepts a fair share.
    expect(accepted).toBeGreaterThan(500)
  })

  it('reads a flat frame of plain strings, numbers and literals', () => {
    const values: unknown[] = []
    const text =
      '{"e":"24hrTicker","E":1672515782136,"s":"BNBBTC","q":true,"x":null,"time":-0.5e-3}'
    expect(readFlatObject(text, keys, values)).toBe(true)
    expect(values).toEqual([
      '24hrTicker',
      1672515782136,
      'BNBBTC',
      undefined,
      undefined,
      -0.0005,
      null,
    ])
  })

  it.each([
    ['an escape', '{"e":"a\\"b"}'],
    ['a nested object', '{"e":"a","q":{"b":1}}'],
    ['a nested array', '{"q":[1],"e":"a"}'],
    ['a repeated wanted key', '{"e":"a","e":"b"}'],
    ['a give-up key', '{"e":"a","result":null}'],
    ['a tab', '{"e":"a",\t"E":1}'],
    ['a leading zero', '{"E":01}'],
    ['a bare point', '{"E":1.}'],
    ['trailing text', '{"e":"a"}x'],
    ['a trailing comma', '{"e":"a",}'],
    ['an unterminated string', '{"e":"a}'],
    ['an array', '[{"e":"a"}]'],
  ])('gives up on %s', (_what, text) => {
    expect(readFlatObject(text, keys, [])).toBe(false)
  })
})
