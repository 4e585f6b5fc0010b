// Property tests of every decoder that reads untrusted text: client messages (the server's
// input), server messages (a TypeScript client's input), decimals and symbols (user and exchange
// input). CI runs a fixed number of cases from a fixed seed; for a long run set
// CRYPTO_ANALYZER_FUZZ_RUNS (e.g. 20000) and optionally CRYPTO_ANALYZER_FUZZ_SEED.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  Decimal,
  decodeClientMessage,
  decodeServerMessage,
  encodePriceUpdate,
  encodeServerMessage,
  formatDecimal,
  normalizeSymbol,
  parseDecimal,
  parseRoom,
} from './index.js'
import type { PriceUpdate, WireErrorCode } from './index.js'

function envInteger(name: string, fallback: number): number {
  const text = process.env[name]
  if (text === undefined || text.trim() === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`)
  }
  return value
}

const RUNS = envInteger('CRYPTO_ANALYZER_FUZZ_RUNS', 300)
const SEED = envInteger('CRYPTO_ANALYZER_FUZZ_SEED', 20250703)
const PARAMETERS = { numRuns: RUNS, seed: SEED }
/** Per-test timeout that grows with the number of cases (a case takes well under 10 ms). */
const TIMEOUT = 20_000 + RUNS * 10

const WIRE_CODES: readonly WireErrorCode[] = [
  'invalid_json',
  'invalid_message',
  'unknown_type',
  'unknown_room',
  'too_many_rooms',
  'rate_limited',
]
const ASCII_SYMBOL = /^[A-Za-z0-9]{1,20}$/
const TEN_MB = 10 * 1024 * 1024

// ---------------------------------------------------------------------------------------------
// Generators of hostile text.

/** Numbers JSON allows but floats and decimals struggle with. */
const hugeNumber = fc.constantFrom(
  '1e400',
  '-1e400',
  '1e-400',
  '1E400',
  '18446744073709551616',
  '-18446744073709551616',
  '9007199254740993',
  '1e999999999999999',
  '1e-999999999999999',
  '0.1e99999999999999999999',
  '123456789012345678901234567890.123456789012345678901234567890',
  '-0',
  '0e0',
  '1e308',
  '1.7976931348623157e309',
  '5e-324',
)

/** Strings that look like numbers, are not, or are symbols in disguise. */
const weirdText = fc.constantFrom(
  'NaN',
  'Infinity',
  '-Infinity',
  'nan',
  '1e400',
  '2^64',
  '',
  ' ',
  '\u0000',
  '\uD800',
  '\u202EBTC',
  'ß',
  'ſol',
  'bıtc',
  'ﬀ',
  'ＢＴＣ',
  '𝟙',
  '🚀',
  'prices:ſol',
  'prices:ß',
  'prices:bıtc',
  'prices:BTC\u0000',
  'prices:ＢＴＣ',
  '__proto__',
  'constructor',
  'prices:__proto__',
  'join_room',
  'prices',
  'prices:btc',
)

/** Deeply nested arrays/objects, sometimes around a valid-looking message. */
const deepNesting = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean(), fc.boolean())
  .map(([depth, objects, close]) => {
    const open = objects ? '{"a":'.repeat(depth) : '['.repeat(depth)
    const end = objects ? '}'.repeat(depth) : ']'.repeat(depth)
    return `${open}1${close ? end : ''}`
  })

/** Any JSON value as text, including raw numbers no JavaScript value can hold. */
const jsonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: hugeNumber },
  { weight: 2, arbitrary: weirdText.map((text) => JSON.stringify(text)) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map((s) => JSON.stringify(s)),
  },
  { weight: 1, arbitrary: deepNesting },
)

const field = <T>(key: string, value: fc.Arbitrary<T>): fc.Arbitrary<string | undefined> =>
  fc.option(
    value.map((text) => `${JSON.stringify(key)}:${String(text)}`),
    { nil: undefined, freq: 4 },
  )

/** A client message whose every field may be valid, missing, of the wrong type or hostile. */
const clientMessage = fc
  .tuple(
    field('type', fc.oneof(fc.constantFrom('"join_room"', '"leave_room"', '"ping"'), jsonText)),
    field(
      'room',
      fc.oneof(
        fc.constantFrom('"prices"', '"prices:BTC"', '"prices:eth"', '"status"', '"alerts"'),
        fc.string({ unit: 'grapheme', maxLength: 24 }).map((s) => JSON.stringify(`prices:${s}`)),
        jsonText,
      ),
    ),
    field('since', fc.oneof(fc.nat().map(String), jsonText)),
    field('extra', jsonText),
  )
  .map((fields) => `{${fields.filter((item) => item !== undefined).join(',')}}`)

const truncated = (frames: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  frames.chain((text) => fc.nat({ max: text.length }).map((end) => text.slice(0, end)))

const randomBytes = fc
  .uint8Array({ maxLength: 300 })
  .chain((bytes) =>
    fc
      .constantFrom<BufferEncoding>('utf8', 'latin1', 'utf16le')
      .map((encoding) => Buffer.from(bytes).toString(encoding)),
  )

const clientFrame: fc.Arbitrary<string> = fc.oneof(
  clientMessage,
  truncated(clientMessage),
  randomBytes,
  fc.string({ unit: 'binary', maxLength: 200 }),
  deepNesting,
  jsonText,
)

// ---------------------------------------------------------------------------------------------

function checkClientDecode(text: string): void {
  const result = decodeClientMessage(text)
  if (!result.ok) {
    expect(WIRE_CODES).toContain(result.error.code)
    // The reply never echoes a large frame back.
    expect(result.error.message.length).toBeLessThan(300)
    return
  }
  const message = result.value
  expect(['join_room', 'leave_room', 'ping']).toContain(message.type)
  if (message.type === 'ping') return
  const given = (JSON.parse(text) as { room: string }).room
  // A room is accepted only as the contract spells it (symbols in ASCII, any case).
  expect(parseRoom(message.room.name)).toEqual(message.room)
  if (message.room.symbol !== undefined) {
    expect(given.slice(7)).toMatch(ASCII_SYMBOL)
    expect(message.room.symbol).toBe(given.slice(7).toUpperCase())
  } else {
    expect(message.room.name).toBe(given)
  }
  if (message.type === 'join_room' && message.since !== undefined) {
    expect(Number.isSafeInteger(message.since) && message.since >= 0).toBe(true)
  }
}

describe('decodeClientMessage fuzz', () => {
  it(
    'never throws and returns a contract message or a short typed error for any frame',
    () => {
      fc.assert(
        fc.property(clientFrame, (text) => {
          checkClientDecode(text)
        }),
        PARAMETERS,
      )
    },
    TIMEOUT,
  )

  it('decodes every well-formed message it is given (the fuzz is not trivially passing)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('join_room', 'leave_room'),
        fc.stringMatching(/^[A-Za-z0-9]{1,20}$/),
        fc.option(fc.nat(), { nil: undefined }),
        (type, symbol, since) => {
          const text = JSON.stringify({ type, room: `prices:${symbol}`, since })
          const result = decodeClientMessage(text)
          expect(result.ok).toBe(true)
          checkClientDecode(text)
        },
      ),
      PARAMETERS,
    )
  })

  it('answers 10 MB frames (random bytes, one huge string, deep nesting) with short errors', () => {
    const frames = [
      Buffer.alloc(TEN_MB, 0xff).toString('utf8'),
      JSON.stringify({ type: 'join_room', room: 'x'.repeat(TEN_MB) }),
      JSON.stringify({ type: 'y'.repeat(TEN_MB) }),
      '['.repeat(TEN_MB),
      `{"type":"join_room","room":"prices","since":${'9'.repeat(TEN_MB)}}`,
    ]
    for (const frame of frames) {
      const result = decodeClientMessage(frame)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.error.message.length).toBeLessThan(300)
    }
    // Refused by length before JSON.parse (which needs ~17 s for 10 M nested brackets); just under
    // the limit the parser itself still answers.
    const nested = decodeClientMessage('['.repeat(TEN_MB))
    expect(nested.ok ? 'decoded' : nested.error.code).toBe('invalid_message')
    expect(nested.ok ? '' : nested.error.message).toContain('at most 65536')
    for (const frame of ['['.repeat(65_536), `{"type":"ping","pad":"${'x'.repeat(65_000)}"}`]) {
      expect(decodeClientMessage(frame).ok, frame.slice(0, 20)).toBe(frame.includes('ping'))
    }
  })

  it('refuses rooms whose symbol only upper-cases into ASCII (ſol, ß, bıtc)', () => {
    for (const room of ['prices:ſol', 'prices:ß', 'prices:bıtc', 'prices:ﬀ']) {
      expect(parseRoom(room)).toBeUndefined()
      const result = decodeClientMessage(JSON.stringify({ type: 'join_room', room }))
      expect(result.ok ? result.value : result.error.code).toBe('unknown_room')
    }
  })
})

// ---------------------------------------------------------------------------------------------

const T0 = Date.parse('2025-07-03T10:00:00.000Z')

/** Exact decimal text of any size the exchanges use, positive or signed. */
const decimalText = (signed: boolean): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.bigInt({ min: signed ? -(10n ** 30n) : 1n, max: 10n ** 30n }),
      fc.integer({ min: 0, max: 30 }),
    )
    .map(([units, scale]) => new Decimal(units.toString()).dividedBy(10 ** scale).toFixed())

const validUpdate: fc.Arbitrary<PriceUpdate> = fc
  .record({
    symbol: fc.stringMatching(/^[A-Z0-9]{1,20}$/),
    price: decimalText(false),
    change: decimalText(true),
    percent: decimalText(true),
    volume: decimalText(false),
    timestamp: fc.integer({ min: 0, max: Date.parse('2100-01-01T00:00:00.000Z') }),
    source: fc.constantFrom('binance' as const, 'coinbase' as const, 'mock' as const),
  })
  .map((r) => ({
    symbol: r.symbol,
    price: new Decimal(r.price),
    change24h: new Decimal(r.change),
    changePercent24h: new Decimal(r.percent),
    volume24h: new Decimal(r.volume),
    timestamp: r.timestamp,
    source: r.source,
  }))

const isoText = fc.oneof(
  fc.constantFrom(
    '"2025-07-03T10:00:00.000Z"',
    '"2025-13-45T99:99:99.000Z"',
    '"0000-00-00T00:00:00Z"',
    '"9999-99-99T99:99:99.999999999Z"',
    '"2025-07-03 10:00:00"',
  ),
  jsonText,
)

/** A valid price_update with one field replaced by a hostile value (or removed). */
const mutatedPriceUpdate = fc
  .tuple(
    validUpdate,
    fc.constantFrom(
      'symbol',
      'price',
      'change_24h',
      'change_percent_24h',
      'volume_24h',
      'timestamp',
      'source',
      'seq',
      'sent',
    ),
    fc.option(fc.oneof(hugeNumber, isoText, jsonText), { nil: undefined, freq: 8 }),
  )
  .map(([update, key, value]) => {
    const data: Record<string, string> = {
      symbol: JSON.stringify(update.symbol),
      price: formatDecimal(update.price),
      change_24h: formatDecimal(update.change24h),
      change_percent_24h: formatDecimal(update.changePercent24h),
      volume_24h: formatDecimal(update.volume24h),
      timestamp: JSON.stringify(new Date(update.timestamp).toISOString()),
      source: JSON.stringify(update.source),
    }
    const outer: Record<string, string> = { seq: '1', sent: '"2025-07-03T10:00:00.000Z"' }
    const target = key in data ? data : outer
    if (value === undefined) Reflect.deleteProperty(target, key)
    else target[key] = value
    const body = Object.entries(data)
      .map(([name, text]) => `"${name}":${text}`)
      .join(',')
    const seq = outer['seq'] === undefined ? '' : `,"seq":${outer['seq']}`
    const sent = outer['sent'] === undefined ? '' : `,"timestamp":${outer['sent']}`
    return `{"type":"price_update","data":{${body}}${seq}${sent}}`
  })

const serverMessage = fc
  .tuple(
    field(
      'type',
      fc.oneof(
        fc.constantFrom('"price_update"', '"feed_status"', '"pong"', '"room_joined"'),
        jsonText,
      ),
    ),
    field('data', jsonText),
    field('seq', fc.oneof(fc.nat().map(String), hugeNumber, jsonText)),
    field('timestamp', isoText),
  )
  .map((fields) => `{${fields.filter((item) => item !== undefined).join(',')}}`)

const serverFrame = fc.oneof(
  { weight: 4, arbitrary: mutatedPriceUpdate },
  serverMessage,
  truncated(mutatedPriceUpdate),
  randomBytes,
  deepNesting,
  validUpdate.map((update) => encodePriceUpdate(update, { seq: 1, sentAt: T0 })),
)

describe('decodeServerMessage fuzz', () => {
  it(
    'never throws, and every decoded price is finite and positive with finite times',
    () => {
      fc.assert(
        fc.property(serverFrame, (text) => {
          const result = decodeServerMessage(text)
          if (!result.ok) {
            expect(WIRE_CODES).toContain(result.error.code)
            return
          }
          const message = result.value
          expect(Number.isFinite(message.timestamp)).toBe(true)
          if ('seq' in message && message.seq !== undefined) {
            expect(Number.isSafeInteger(message.seq)).toBe(true)
          }
          if (message.type !== 'price_update') return
          const data = message.data
          for (const value of [data.price, data.change24h, data.changePercent24h, data.volume24h]) {
            expect(value.isFinite()).toBe(true)
          }
          expect(data.price.isPositive() && !data.price.isZero()).toBe(true)
          expect(Number.isFinite(data.timestamp)).toBe(true)
          // It can be written back (bounded: no number explodes into millions of digits).
          expect(encodeServerMessage(message).length).toBeLessThan(text.length + 2000)
        }),
        PARAMETERS,
      )
    },
    TIMEOUT,
  )

  it('round-trips every valid price_update exactly', () => {
    fc.assert(
      fc.property(validUpdate, fc.nat(), (update, seq) => {
        const frame = encodePriceUpdate(update, { seq, sentAt: T0 })
        const result = decodeServerMessage(frame)
        expect(result.ok).toBe(true)
        if (result.ok) expect(encodeServerMessage(result.value)).toBe(frame)
      }),
      PARAMETERS,
    )
  })

  it.each([
    ['a month 13 timestamp', '"2025-13-45T99:99:99.000Z"', '50000', '1'],
    ['an infinite price', '"2025-07-03T10:00:00.000Z"', '1e999999999999999', '1'],
    ['a price beyond any float', '"2025-07-03T10:00:00.000Z"', '1e400', '1'],
    ['a zero price', '"2025-07-03T10:00:00.000Z"', '0', '1'],
    ['an unsafe seq', '"2025-07-03T10:00:00.000Z"', '50000', '99999999999999999999'],
  ])('refuses %s as invalid_message', (_what, time, price, seq) => {
    const frame =
      `{"type":"price_update","data":{"symbol":"BTC","price":${price},"change_24h":0,` +
      `"change_percent_24h":0,"volume_24h":0,"timestamp":${time},"source":"mock"},` +
      `"seq":${seq},"timestamp":"2025-07-03T10:00:00.000Z"}`
    const result = decodeServerMessage(frame)
    expect(result.ok ? 'accepted' : result.error.code).toBe('invalid_message')
  })
})

// ---------------------------------------------------------------------------------------------

const numberLike = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '-', '+', '--'),
      fc.stringMatching(/^\d{0,30}$/),
      fc.option(fc.stringMatching(/^\.\d{0,30}$/), { nil: '' }),
      fc.option(
        fc
          .tuple(fc.constantFrom('e', 'E', 'e-', 'e+'), fc.bigInt({ min: 0n, max: 10n ** 20n }))
          .map(([e, n]) => `${e}${n.toString()}`),
        { nil: '' },
      ),
    )
    .map((parts) => parts.join('')),
  hugeNumber,
  weirdText,
  fc.string({ unit: 'binary', maxLength: 40 }),
)

const DECIMAL_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

/** Valid decimal text with runs of zeros at either end of the digits, where words split. */
const zeroRuns = fc.stringMatching(
  /^-?(?:0|[1-9]\d{0,20}0{0,16})(?:\.0{0,10}\d{0,20}0{0,16})?(?:[eE][+-]?\d{1,3})?$/,
)

/** What `parseDecimal` accepts, by the plain route: a regex, then decimal.js's own parser. */
function referenceDecimal(text: string): Decimal | undefined {
  if (text.length > 400 || !DECIMAL_TEXT.test(text)) return undefined
  const value = new Decimal(text)
  if (!value.isFinite()) return undefined
  // decimal.js turns exponents below -9e15 into 0; they are beyond 1e-100 all the same.
  if (value.isZero()) return /^-?[0.]*(?:[eE]|$)/.test(text) ? value : undefined
  return Math.abs(value.e) > 100 ? undefined : value
}

describe('parseDecimal and normalizeSymbol fuzz', () => {
  it(
    'parseDecimal never throws and accepts only values a JSON client reads as finite numbers',
    () => {
      fc.assert(
        fc.property(numberLike, (text) => {
          const value = parseDecimal(text)
          if (value === undefined) return
          expect(value.isFinite()).toBe(true)
          // Checked before formatting: printing 1e999999999999999 in plain notation never ends.
          expect(Math.abs(value.e)).toBeLessThanOrEqual(100)
          const printed = formatDecimal(value)
          expect(printed.length).toBeLessThanOrEqual(text.length + 110)
          expect(Number.isFinite(Number(printed))).toBe(true)
        }),
        PARAMETERS,
      )
    },
    TIMEOUT,
  )

  it(
    'parseDecimal reads exactly the value decimal.js reads from the same text',
    () => {
      fc.assert(
        fc.property(fc.oneof(numberLike, zeroRuns), (text) => {
          const value = parseDecimal(text)
          const expected = referenceDecimal(text)
          if (expected === undefined) {
            expect(value).toBeUndefined()
            return
          }
          if (value === undefined) throw new Error(`parseDecimal refused ${JSON.stringify(text)}`)
          // The same internal form (sign, exponent, base-1e7 words), so every operation agrees.
          expect([value.s, value.e, value.d]).toEqual([expected.s, expected.e, expected.d])
          expect(value).toBeInstanceOf(Decimal)
          expect(value.times(3).minus(expected.times(3)).isZero()).toBe(true)
        }),
        PARAMETERS,
      )
    },
    TIMEOUT,
  )

  it('parseDecimal refuses magnitudes that cannot be printed or read back as a float', () => {
    for (const text of [
      '1e999999999999999',
      '1e-999999999999999',
      '1e-99999999999999999999',
      '1e400',
      '-1e400',
      '1e101',
    ]) {
      expect(parseDecimal(text)).toBeUndefined()
    }
    expect(parseDecimal('1e100')?.toFixed()).toBe(`1${'0'.repeat(100)}`)
    expect(parseDecimal('18446744073709551616')?.toFixed()).toBe('18446744073709551616')
    expect(parseDecimal('1e-100')?.isZero()).toBe(false)
  })

  it(
    'normalizeSymbol accepts exactly 1 to 20 ASCII letters or digits, never a look-alike',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'grapheme', maxLength: 24 }),
            weirdText,
            fc.stringMatching(/^[a-zA-Z0-9]{1,22}$/),
          ),
          (text) => {
            let symbol: string | undefined
            try {
              symbol = normalizeSymbol(text)
            } catch (error) {
              expect((error as { code?: string }).code).toBe('INVALID_INPUT')
            }
            if (symbol === undefined) return
            expect(text.trim()).toMatch(ASCII_SYMBOL)
            expect(symbol).toBe(text.trim().toUpperCase())
          },
        ),
        PARAMETERS,
      )
    },
    TIMEOUT,
  )
})
