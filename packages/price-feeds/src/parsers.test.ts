import { Decimal, formatDecimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FeedError, createFrameParser } from './index.js'
import type { ParsedFrame } from './index.js'
import { fixtureLines } from './test-support/fixtures.js'

const RECEIVED = 1_700_000_000_000

interface Expected {
  symbol: string
  price: string
  change24h: string
  changePercent24h: string
  volume24h: string
  timestamp: number
  bid?: string
  ask?: string
}

/** The update as exact wire text, so a float anywhere on the way shows up as extra digits. */
function text(update: PriceUpdate): Expected & { source: string; receivedAt?: number } {
  return {
    symbol: update.symbol,
    price: formatDecimal(update.price),
    change24h: formatDecimal(update.change24h),
    changePercent24h: formatDecimal(update.changePercent24h),
    volume24h: formatDecimal(update.volume24h),
    timestamp: update.timestamp,
    source: update.source,
    ...(update.bid === undefined ? {} : { bid: formatDecimal(update.bid) }),
    ...(update.ask === undefined ? {} : { ask: formatDecimal(update.ask) }),
    ...(update.receivedAt === undefined ? {} : { receivedAt: update.receivedAt }),
  }
}

function price(frame: ParsedFrame): PriceUpdate {
  if (frame.kind !== 'price')
    throw new Error(`expected a price frame, got ${JSON.stringify(frame)}`)
  return frame.update
}

const binance = (quote = 'USDT', symbols?: string[]) =>
  createFrameParser('binance', symbols === undefined ? { quote } : { quote, symbols })
const coinbase = (quote = 'USD', symbols?: string[]) =>
  createFrameParser('coinbase', symbols === undefined ? { quote } : { quote, symbols })

describe('createFrameParser binance', () => {
  const lines = fixtureLines('binance-ticker')

  it('normalizes every @ticker fixture frame to the exact values written in it', () => {
    // Expected values written by hand from the frames in binance-ticker.jsonl.
    const expected: Expected[] = [
      {
        symbol: 'BNB',
        price: '0.0025',
        change24h: '0.0015',
        changePercent24h: '250',
        volume24h: '10000',
        timestamp: 1672515782136,
        bid: '0.0024',
        ask: '0.0026',
      },
      {
        symbol: 'DOGE',
        price: '0.0001436',
        change24h: '0.00000291',
        changePercent24h: '2.068',
        volume24h: '20014582',
        timestamp: 1569805259092,
        bid: '0.00014365',
        ask: '0.00014498',
      },
    ]
    const quotes = ['BTC', 'BNB']
    expect(lines).toHaveLength(expected.length)
    lines.forEach((line, i) => {
      const parser = binance(quotes[i], [expected[i]!.symbol])
      const frame = parser.parse(line, RECEIVED)
      expect(text(price(frame))).toEqual({
        ...expected[i],
        source: 'binance',
        receivedAt: RECEIVED,
      })
    })
  })

  it('unwraps the combined-stream wrapper and reports the native market', () => {
    const frame = binance('BNB', ['DOGE']).parse(lines[1]!, RECEIVED)
    expect(frame).toMatchObject({ kind: 'price', market: 'DOGEBNB' })
  })

  it('keeps the change percent as sent (P is already percent)', () => {
    const update = price(binance('BTC', ['BNB']).parse(lines[0]!, RECEIVED))
    expect(update.changePercent24h.toString()).toBe('250')
  })

  it('maps a market by the configured quote when no symbol list is given', () => {
    expect(price(binance('BNB').parse(lines[1]!, RECEIVED)).symbol).toBe('DOGE')
    expect(binance('USDT').parse(lines[1]!, RECEIVED)).toMatchObject({
      kind: 'dropped',
      reason: 'unknown-market',
    })
  })

  it('drops a ticker for a market that is not in its symbol list', () => {
    expect(binance('BNB', ['BTC']).parse(lines[1]!, RECEIVED)).toMatchObject({
      kind: 'dropped',
      reason: 'unknown-market',
    })
  })

  it('classifies replies, serverShutdown and the error shapes before ticker parsing', () => {
    const parser = binance()
    const control = fixtureLines('binance-control').map((line) => parser.parse(line, RECEIVED))
    expect(control).toEqual([
      { kind: 'control', control: 'reply', id: 1, result: null },
      { kind: 'control', control: 'reply', id: 312, result: null },
      { kind: 'control', control: 'reply', id: 3, result: ['btcusdt@aggTrade'] },
      { kind: 'control', control: 'reply', id: 2, result: true },
      { kind: 'control', control: 'shutdown' },
    ])
    const errors = fixtureLines('binance-error').map((line) => parser.parse(line, RECEIVED))
    expect(errors).toEqual([
      { kind: 'error', code: 1, message: 'Invalid value type: expected Boolean' },
      {
        kind: 'error',
        code: 2,
        message: 'Invalid request: request ID must be an unsigned integer',
      },
      { kind: 'error', code: 2, message: 'Invalid request: too many parameters' },
      {
        kind: 'error',
        code: 2,
        message: 'Invalid request: missing field `method` at line 1 column 73',
      },
    ])
    expect(
      parser.parse('{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":7}', RECEIVED),
    ).toEqual({ kind: 'error', code: 2, message: 'Invalid request: invalid stream', id: 7 })
    expect(
      parser.parse('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}', 0),
    ).toEqual({ kind: 'control', control: 'shutdown' })
  })

  it('ignores other streams (bookTicker, miniTicker, rolling tickers, arrays)', () => {
    const parser = binance()
    const other = [
      ...fixtureLines('binance-bookTicker'),
      ...fixtureLines('binance-miniTicker'),
      ...fixtureLines('binance-rollingTicker'),
      '[{"e":"24hrMiniTicker"}]',
      '{"stream":"!miniTicker@arr","data":[]}',
      '{"e":"aggTrade","E":1,"s":"BTCUSDT"}',
    ]
    expect(other.map((line) => parser.parse(line, RECEIVED).kind)).toEqual(
      other.map(() => 'ignored'),
    )
    expect(parser.parse(fixtureLines('binance-miniTicker')[0]!, 0)).toEqual({
      kind: 'ignored',
      type: '24hrMiniTicker',
    })
  })
})

describe('createFrameParser coinbase', () => {
  const lines = fixtureLines('coinbase-exchange-ticker')

  it('normalizes every ticker fixture frame, deriving change and percent from open_24h', () => {
    // By hand: change = price − open_24h; percent = change / open_24h × 100 to 4 places (half up).
    const expected: (Expected & { quote: string; sequence: number })[] = [
      {
        quote: 'USD',
        sequence: 37475248783,
        symbol: 'ETH',
        price: '1285.22',
        change24h: '-25.57', // 1285.22 − 1310.79
        changePercent24h: '-1.9507', // −25.57 / 1310.79 × 100 = −1.950732…
        volume24h: '245532.79269678',
        timestamp: Date.UTC(2022, 9, 19, 23, 28, 22, 61), // .061769 truncated to ms
        bid: '1285.04',
        ask: '1285.27',
      },
      {
        quote: 'USD',
        sequence: 50978628538,
        symbol: 'BTC',
        price: '17165.16',
        change24h: '727.22', // 17165.16 − 16437.94
        changePercent24h: '4.424', // 727.22 / 16437.94 × 100 = 4.424033…
        volume24h: '42492.05081975',
        timestamp: Date.UTC(2022, 11, 1, 0, 0, 0, 122),
        bid: '17165.15',
        ask: '17167.76',
      },
      {
        quote: 'USD',
        sequence: 8176375276,
        symbol: 'BTC',
        price: '4095',
        change24h: '0.86', // 4095.00000000 − 4094.14000000
        changePercent24h: '0.021', // 0.86 / 4094.14 × 100 = 0.0210056…
        volume24h: '3142.70640811',
        timestamp: Date.UTC(2019, 3, 1, 0, 0, 4, 540),
        bid: '4094.99',
        ask: '4095',
      },
      {
        quote: 'GBP',
        sequence: 333938798,
        symbol: 'BAND',
        price: '14.7775',
        change24h: '0.1128', // 14.7775 − 14.6647
        changePercent24h: '0.7692', // 0.1128 / 14.6647 × 100 = 0.769194…
        volume24h: '94381.28',
        timestamp: Date.UTC(2021, 3, 17, 16, 43, 30, 244),
        bid: '14.755',
        ask: '14.806',
      },
      {
        quote: 'BTC',
        sequence: 177100017,
        symbol: 'SKL',
        price: '0.00001303',
        change24h: '0.00000159', // 0.00001303 − 0.00001144
        changePercent24h: '13.8986', // 0.00000159 / 0.00001144 × 100 = 13.898601…
        volume24h: '7366729.4',
        timestamp: Date.UTC(2021, 3, 17, 16, 43, 37, 67),
        bid: '0.00001302',
        ask: '0.00001305',
      },
    ]
    expect(lines).toHaveLength(expected.length)
    lines.forEach((line, i) => {
      const { quote, sequence, ...values } = expected[i]!
      const frame = coinbase(quote, [values.symbol]).parse(line, RECEIVED)
      expect(frame).toMatchObject({ kind: 'price', sequence })
      expect(text(price(frame))).toEqual({ ...values, source: 'coinbase', receivedAt: RECEIVED })
    })
  })

  it('gives 0 % when open_24h is 0', () => {
    const frame = coinbase().parse(
      lines[1]!.replace('"open_24h":"16437.94"', '"open_24h":"0"'),
      RECEIVED,
    )
    expect(text(price(frame))).toMatchObject({ change24h: '17165.16', changePercent24h: '0' })
  })

  it('rounds the derived percent half away from zero', () => {
    // change 0.00005 on open 1 → 0.005 % → 0.005; change 0.000005 → 0.0005 % → 0.0005
    const make = (p: string, open: string) =>
      lines[1]!
        .replace('"price":"17165.16"', `"price":"${p}"`)
        .replace('"open_24h":"16437.94"', `"open_24h":"${open}"`)
    expect(text(price(coinbase().parse(make('1.0000015', '1'), 0))).changePercent24h).toBe('0.0002')
    expect(text(price(coinbase().parse(make('1.0000005', '1'), 0))).changePercent24h).toBe('0.0001')
    expect(text(price(coinbase().parse(make('0.9999995', '1'), 0))).changePercent24h).toBe(
      '-0.0001',
    )
    expect(text(price(coinbase().parse(make('3', '3'), 0))).changePercent24h).toBe('0')
  })

  it('derives the percent exactly, whatever the digits of price and open_24h', () => {
    // Reference: the quotient to 1,000 digits, truncated, then rounded half away from zero.
    const Wide = Decimal.clone({ precision: 1000, rounding: Decimal.ROUND_DOWN })
    const decimal = fc
      .tuple(
        fc.bigInt({ min: 1n, max: 10n ** 20n }),
        fc.integer({ min: -30, max: 30 }),
        fc.integer({ min: 0, max: 12 }),
      )
      .map(([digits, exponent, zeros]) => `${digits.toString()}${'0'.repeat(zeros)}e${exponent}`)
    const parser = coinbase()
    fc.assert(
      fc.property(decimal, decimal, fc.boolean(), (p, o, near) => {
        // Near: an open within a few percent of the price, like a real ticker.
        const open = near ? new Decimal(p).times('0.97').toFixed() : new Decimal(o).toFixed()
        const last = new Decimal(p).toFixed()
        const frame = lines[1]!
          .replace('"price":"17165.16"', `"price":"${last}"`)
          .replace('"open_24h":"16437.94"', `"open_24h":"${open}"`)
        const change = new Wide(last).minus(open)
        // The shared Decimal keeps 64 significant digits in arithmetic: change is exact within them.
        fc.pre(change.sd() <= 64)
        const expected = change.times(100).dividedBy(open).toDecimalPlaces(4, Decimal.ROUND_HALF_UP)
        const update = price(parser.parse(frame, 0))
        expect(formatDecimal(update.changePercent24h)).toBe(formatDecimal(expected))
        expect(formatDecimal(update.change24h)).toBe(formatDecimal(change))
        // A plain shared Decimal, not the narrow one it was divided in.
        expect(update.changePercent24h.constructor).toBe(Decimal)
      }),
      // No shrinking: each step divides to 1,000 digits, and a failure is plain from the first case.
      { numRuns: 2000, seed: 20251126, endOnFailure: true },
    )
  })

  it('classifies subscriptions, heartbeats and errors, and ignores unknown types', () => {
    const parser = coinbase()
    expect(fixtureLines('coinbase-exchange-subscriptions').map((l) => parser.parse(l, 0))).toEqual([
      { kind: 'control', control: 'subscriptions', products: ['ETH-USD', 'ETH-EUR', 'ETH-BTC'] },
      { kind: 'control', control: 'subscriptions', products: [] },
    ])
    expect(parser.parse(fixtureLines('coinbase-exchange-heartbeat')[0]!, 0)).toEqual({
      kind: 'control',
      control: 'heartbeat',
      products: ['BTC-USD'],
    })
    expect(parser.parse(fixtureLines('coinbase-exchange-error')[0]!, 0)).toEqual({
      kind: 'error',
      message: 'error message',
    })
    expect(
      parser.parse(
        '{"type":"error","message":"Failed to subscribe","reason":"FOO-USD is not a valid product"}',
        0,
      ),
    ).toEqual({
      kind: 'error',
      message: 'Failed to subscribe',
      reason: 'FOO-USD is not a valid product',
    })
    expect(parser.parse('{"type":"match","price":"1"}', 0)).toEqual({
      kind: 'ignored',
      type: 'match',
    })
    expect(parser.parse('{"type":"ticker_batch"}', 0)).toEqual({
      kind: 'ignored',
      type: 'ticker_batch',
    })
  })
})

describe('createFrameParser malformed frames', () => {
  const bn = fixtureLines('binance-ticker')[0]!.replace('"s":"BNBBTC"', '"s":"BTCUSDT"')
  const cb = fixtureLines('coinbase-exchange-ticker')[1]!
  const withField = (line: string, key: string, value: string | undefined): string => {
    const json = JSON.parse(line) as Record<string, unknown>
    if (value === undefined) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
      delete json[key]
      return JSON.stringify(json)
    }
    return JSON.stringify(json).replace(
      new RegExp(`"${key}":("[^"]*"|[0-9.eE+-]+)`),
      `"${key}":${value}`,
    )
  }

  it.each([
    ['not JSON', '{"e":"24hrTicker",', 'invalid-json'],
    ['empty', '', 'invalid-json'],
    ['a string', '"hello"', 'not-an-object'],
    ['null', 'null', 'not-an-object'],
    ['missing price', withField(bn, 'c', undefined), 'missing-field'],
    ['missing volume', withField(bn, 'v', undefined), 'missing-field'],
    ['missing symbol', withField(bn, 's', undefined), 'missing-field'],
    ['missing event time', withField(bn, 'E', undefined), 'missing-field'],
    ['numeric price', withField(bn, 'c', '0.0025'), 'wrong-type'],
    ['numeric change', withField(bn, 'p', '0.0015'), 'wrong-type'],
    ['price text not a decimal', withField(bn, 'c', '"NaN"'), 'wrong-type'],
    ['price with spaces', withField(bn, 'c', '" 1.5"'), 'wrong-type'],
    ['event time as text', withField(bn, 'E', '"1672515782136"'), 'wrong-type'],
    ['fractional event time', withField(bn, 'E', '1.5'), 'out-of-range'],
    ['zero price', withField(bn, 'c', '"0.0000"'), 'out-of-range'],
    ['negative price', withField(bn, 'c', '"-1"'), 'out-of-range'],
    ['negative volume', withField(bn, 'v', '"-0.1"'), 'out-of-range'],
    ['numeric bid', withField(bn, 'b', '1'), 'wrong-type'],
    ['e not a string', withField(bn, 'e', '5'), 'wrong-type'],
    ['wrapper data not an object', '{"stream":"btcusdt@ticker","data":"x"}', 'wrong-type'],
  ])('drops a binance frame with %s', (_name, line, reason) => {
    expect(binance().parse(line, RECEIVED)).toMatchObject({ kind: 'dropped', reason })
  })

  it.each([
    ['no type', '{"price":"1"}', 'missing-field'],
    ['type not a string', '{"type":1}', 'wrong-type'],
    ['an array', '[]', 'not-an-object'],
    ['missing price', withField(cb, 'price', undefined), 'missing-field'],
    ['missing open_24h', withField(cb, 'open_24h', undefined), 'missing-field'],
    ['missing volume_24h', withField(cb, 'volume_24h', undefined), 'missing-field'],
    ['missing time', withField(cb, 'time', undefined), 'missing-field'],
    ['missing sequence', withField(cb, 'sequence', undefined), 'missing-field'],
    ['missing product', withField(cb, 'product_id', undefined), 'missing-field'],
    ['numeric price', withField(cb, 'price', '17165.16'), 'wrong-type'],
    ['numeric volume', withField(cb, 'volume_24h', '1'), 'wrong-type'],
    ['sequence as text', withField(cb, 'sequence', '"5"'), 'wrong-type'],
    ['bad time', withField(cb, 'time', '"yesterday"'), 'wrong-type'],
    ['impossible time', withField(cb, 'time', '"2022-13-01T00:00:00Z"'), 'out-of-range'],
    ['negative price', withField(cb, 'price', '"-17165.16"'), 'out-of-range'],
    ['zero price', withField(cb, 'price', '"0"'), 'out-of-range'],
    ['negative open', withField(cb, 'open_24h', '"-1"'), 'out-of-range'],
    ['negative volume', withField(cb, 'volume_24h', '"-1"'), 'out-of-range'],
    ['negative sequence', withField(cb, 'sequence', '-1'), 'out-of-range'],
    ['unknown product', cb.replace('BTC-USD', 'BTC-EUR'), 'unknown-market'],
  ])('drops a coinbase frame with %s', (_name, line, reason) => {
    expect(coinbase().parse(line, RECEIVED)).toMatchObject({ kind: 'dropped', reason })
  })

  it('accepts a time with an offset and converts it to UTC', () => {
    const frame = coinbase().parse(withField(cb, 'time', '"2022-12-01T02:00:00.5+02:00"'), 0)
    expect(price(frame).timestamp).toBe(Date.UTC(2022, 11, 1, 0, 0, 0, 500))
  })

  it('reads RFC 3339 times exactly as the plain regex reading does', () => {
    // Reference: the strict grammar as a regex, then Date.UTC (what the parser did before it
    // was written out character by character).
    const RFC3339 =
      /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/
    const reference = (time: string): number | 'wrong-type' | 'out-of-range' => {
      const match = RFC3339.exec(time)
      if (match === null) return 'wrong-type'
      const [, y, mo, d, h, mi, sec, fraction = '', zulu, sign, oh, om] = match
      const [month, day, hour, minute, second] = [
        Number(mo),
        Number(d),
        Number(h),
        Number(mi),
        Number(sec),
      ]
      if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23) return 'out-of-range'
      if (minute > 59 || second > 60) return 'out-of-range'
      const ms = Number(fraction.padEnd(3, '0').slice(0, 3))
      let epoch = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms)
      if (zulu === undefined) {
        const offset = (Number(oh) * 60 + Number(om)) * 60_000
        epoch += sign === '+' ? -offset : offset
      }
      return Number.isFinite(epoch) && epoch > 0 ? epoch : 'out-of-range'
    }
    const near = fc.stringMatching(
      /^\d{4}-[01]\d-[0-3]\d[Tt ][0-2]\d:[0-6]\d:[0-6]\d(\.\d{0,11})?([Zz]|[+-][01]\d:[0-6]\d|[+-]\d{3,5}|)(?:x|1|:|)$/,
    )
    const parser = coinbase()
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ maxLength: 40 })), (time) => {
        const frame = parser.parse(
          JSON.stringify({ ...(JSON.parse(cb) as Record<string, unknown>), time }),
          0,
        )
        const expected = reference(time)
        if (typeof expected === 'number') expect(price(frame).timestamp).toBe(expected)
        else expect(frame).toMatchObject({ kind: 'dropped', reason: expected })
      }),
      { numRuns: 5000, seed: 20251126 },
    )
  })

  it('never throws and keeps every digit of any decimal text', () => {
    const parser = binance()
    const decimal = fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.integer({ min: 0, max: 20 }))
      .map(([digits, scale]) => {
        const s = digits.toString().padStart(scale + 1, '0')
        return scale === 0 ? s : `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`
      })
    fc.assert(
      fc.property(decimal, decimal, (p, v) => {
        const frame = parser.parse(withField(withField(bn, 'c', `"${p}"`), 'v', `"${v}"`), 0)
        const update = price(frame)
        // Exact: the text survives, minus insignificant zeros.
        expect(update.price.equals(p)).toBe(true)
        expect(formatDecimal(update.volume24h)).toBe(formatDecimal(update.volume24h.plus(0)))
        expect(update.price.toFixed()).toBe(
          p
            .replace(/^0+(?=\d)/, '')
            .replace(/(\.\d*?)0+$/, '$1')
            .replace(/\.$/, ''),
        )
      }),
    )
    fc.assert(
      fc.property(fc.string(), (junk) => {
        expect(['dropped', 'ignored', 'control', 'error', 'price']).toContain(
          parser.parse(junk, 0).kind,
        )
        expect(coinbase().parse(junk, 0).kind).toBeTypeOf('string')
      }),
    )
  })

  it('rejects a bad quote at once', () => {
    expect(() => createFrameParser('binance', { quote: 'us dollar' })).toThrow(FeedError)
    expect(() => createFrameParser('coinbase', { symbols: ['BTC', '$$$'] })).toThrow(
      /invalid symbol/,
    )
  })
})
