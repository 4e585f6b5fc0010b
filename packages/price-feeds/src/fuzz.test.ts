// Property tests of the exchange frame parsers, alone and behind a live connection: whatever an
// exchange sends, the adapter never throws, never emits a non-finite, non-positive or far-future
// price, counts every frame it drops, and keeps delivering the good frames that follow. CI runs a
// fixed number of cases from a fixed seed; for a long run set CRYPTO_ANALYZER_FUZZ_RUNS (e.g.
// 20000) and optionally CRYPTO_ANALYZER_FUZZ_SEED.
import { formatDecimal, parseDecimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'
import { startFakeBinance, startFakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import type { FakeBinance, FakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFrameParser } from './index.js'
import type { DropReason, FrameParser, ParsedFrame, PriceFeedManager } from './index.js'
import { harness } from './test-support/harness.js'
import type { Harness } from './test-support/harness.js'
import { waitFor } from '@crypto-analyzer/test-support'

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
/** Batches of frames pushed through a real socket: a tenth of the cases, at least 20. */
const LIVE_RUNS = Math.max(20, Math.floor(RUNS / 10))
const TIMEOUT = 30_000 + RUNS * 20

const DAY = 86_400_000
const NOW = Date.parse('2025-07-03T10:00:00.000Z')
const DROP_REASONS: readonly DropReason[] = [
  'invalid-json',
  'not-an-object',
  'missing-field',
  'wrong-type',
  'out-of-range',
  'unknown-market',
]

// ---------------------------------------------------------------------------------------------
// Hostile values, as raw JSON text.

const hugeNumber = fc.constantFrom(
  '1e400',
  '-1e400',
  '18446744073709551616',
  '9007199254740993',
  '9007199254740991',
  '32503680000000',
  '1e999999999999999',
  '-0',
  '1.7976931348623157e309',
  '5e-324',
)

const hostileString = fc.constantFrom(
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '1e999999999999999',
  '1e-999999999999999',
  '18446744073709551616',
  '-1',
  '0',
  '0.00000000',
  '-0',
  ' 1',
  '1,5',
  '0x10',
  '',
  '\u0000',
  '\uD800',
  '𝟙',
  'ＢＴＣUSDT',
  'btcusdt',
  'ſolusdt',
  'BTCUSDT\u0000',
  'BTC-USD\u202E',
  'BTC-usd',
  '2025-13-45T99:99:99.000000Z',
  '9999-12-31T23:59:59.999999Z',
  '275760-09-13T00:00:00.000Z',
)

const deepNesting = fc
  .tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean())
  .map(([depth, objects]) =>
    objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1`,
  )

const hostileValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileString.map((text) => JSON.stringify(text)) },
  { weight: 2, arbitrary: hugeNumber },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map((s) => JSON.stringify(s)),
  },
  { weight: 1, arbitrary: deepNesting },
)

const positiveDecimal = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 14n }), fc.integer({ min: 0, max: 10 }))
  .map(([units, scale]) => {
    const digits = units.toString().padStart(scale + 1, '0')
    return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  })

// ---------------------------------------------------------------------------------------------
// Valid frames with one field replaced (or removed), in the exchanges' formats.

type Fields = Record<string, string>

const render = (fields: Fields): string =>
  `{${Object.entries(fields)
    .map(([key, text]) => `${JSON.stringify(key)}:${text}`)
    .join(',')}}`

interface Mutation {
  readonly key: string | undefined
  readonly value: string | undefined
}

const mutate = (fields: Fields, mutation: Mutation): Fields => {
  if (mutation.key === undefined) return fields
  const copy = { ...fields }
  if (mutation.value === undefined) Reflect.deleteProperty(copy, mutation.key)
  else copy[mutation.key] = mutation.value
  return copy
}

const mutation = (keys: readonly string[]): fc.Arbitrary<Mutation> =>
  fc.record({
    key: fc.option(fc.constantFrom(...keys), { nil: undefined, freq: 6 }),
    value: fc.option(hostileValue, { nil: undefined, freq: 6 }),
  })

const BINANCE_KEYS = ['e', 'E', 's', 'p', 'P', 'c', 'v', 'b', 'a', 'o', 'q'] as const

const binanceTicker = (market: string, time: number, price: string, volume: string): Fields => ({
  e: '"24hrTicker"',
  E: String(time),
  s: JSON.stringify(market),
  p: '"-12.5"',
  P: '"-0.019"',
  c: JSON.stringify(price),
  v: JSON.stringify(volume),
  b: JSON.stringify(price),
  a: JSON.stringify(price),
  o: '"65000.00"',
  q: '"1000.5"',
})

const binanceFrame = (now: () => number): fc.Arbitrary<{ text: string; mutation: Mutation }> =>
  fc
    .record({
      market: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'ADAUSDT'),
      age: fc.nat({ max: 60_000 }),
      price: positiveDecimal,
      volume: positiveDecimal,
      mutation: mutation(BINANCE_KEYS),
      combined: fc.boolean(),
    })
    .map((r) => {
      const ticker = render(
        mutate(binanceTicker(r.market, now() - r.age, r.price, r.volume), r.mutation),
      )
      const text = r.combined
        ? `{"stream":"${r.market.toLowerCase()}@ticker","data":${ticker}}`
        : ticker
      return { text, mutation: r.mutation }
    })

const COINBASE_KEYS = [
  'type',
  'sequence',
  'product_id',
  'price',
  'open_24h',
  'volume_24h',
  'best_bid',
  'best_ask',
  'time',
] as const

const coinbaseTicker = (
  product: string,
  sequence: number,
  time: number,
  price: string,
  volume: string,
): Fields => ({
  type: '"ticker"',
  sequence: String(sequence),
  product_id: JSON.stringify(product),
  price: JSON.stringify(price),
  open_24h: '"65000.5"',
  volume_24h: JSON.stringify(volume),
  best_bid: JSON.stringify(price),
  best_ask: JSON.stringify(price),
  time: JSON.stringify(new Date(time).toISOString().replace('Z', '123Z')),
})

const coinbaseFrame = (
  now: () => number,
  nextSequence: () => number,
): fc.Arbitrary<{ text: string; mutation: Mutation }> =>
  fc
    .record({
      product: fc.constantFrom('BTC-USD', 'ETH-USD', 'ADA-USD'),
      age: fc.nat({ max: 60_000 }),
      price: positiveDecimal,
      volume: positiveDecimal,
      mutation: mutation(COINBASE_KEYS),
    })
    .map((r) => ({
      text: render(
        mutate(
          coinbaseTicker(r.product, nextSequence(), now() - r.age, r.price, r.volume),
          r.mutation,
        ),
      ),
      mutation: r.mutation,
    }))

const randomBytes = fc
  .uint8Array({ maxLength: 300 })
  .chain((bytes) =>
    fc
      .constantFrom<BufferEncoding>('utf8', 'latin1')
      .map((encoding) => Buffer.from(bytes).toString(encoding)),
  )

const truncated = (frames: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  frames.chain((text) =>
    fc.nat({ max: Math.max(0, text.length - 1) }).map((end) => text.slice(0, end)),
  )

/** Anything an exchange might send: mostly near-valid tickers, then pure garbage. */
const anyFrame = (ticker: fc.Arbitrary<{ text: string }>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: ticker.map((frame) => frame.text) },
    { weight: 1, arbitrary: truncated(ticker.map((frame) => frame.text)) },
    { weight: 1, arbitrary: randomBytes },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
    { weight: 1, arbitrary: deepNesting },
    { weight: 1, arbitrary: hostileValue },
  )

// ---------------------------------------------------------------------------------------------

/** The invariants of a parsed frame, whatever the input was. */
function checkParsed(frame: ParsedFrame, receivedAt: number, symbols: readonly string[]): void {
  expect(['price', 'control', 'error', 'ignored', 'dropped']).toContain(frame.kind)
  if (frame.kind === 'dropped') {
    expect(DROP_REASONS).toContain(frame.reason)
    return
  }
  if (frame.kind !== 'price') return
  checkUpdate(frame.update, receivedAt, symbols)
}

function checkUpdate(
  update: PriceUpdate,
  receivedAt: number,
  symbols: readonly string[],
  live = false,
): void {
  expect(symbols).toContain(update.symbol)
  expect(update.price.isFinite() && update.price.isPositive() && !update.price.isZero()).toBe(true)
  expect(update.volume24h.isFinite() && update.volume24h.gte(0)).toBe(true)
  for (const value of [update.change24h, update.changePercent24h, update.bid, update.ask]) {
    if (value !== undefined) expect(value.isFinite()).toBe(true)
  }
  for (const value of [update.bid, update.ask]) {
    if (value !== undefined) expect(value.isPositive() && !value.isZero()).toBe(true)
  }
  expect(Number.isSafeInteger(update.timestamp) && update.timestamp > 0).toBe(true)
  // The adapter (not the bare parser, whose receivedAt may be 0) drops event times a day ahead.
  if (live) expect(update.timestamp).toBeLessThanOrEqual(receivedAt + DAY)
  // Every number reaches the wire as short plain text.
  for (const value of [update.price, update.change24h, update.changePercent24h, update.volume24h]) {
    expect(formatDecimal(value).length).toBeLessThan(600)
  }
}

/** Required decimal fields: a frame where one of these is not valid decimal text is dropped. */
const REQUIRED_DECIMALS: Record<'binance' | 'coinbase', ReadonlySet<string>> = {
  binance: new Set(['c', 'p', 'P', 'v']),
  coinbase: new Set(['price', 'open_24h', 'volume_24h']),
}

function checkMutation(
  provider: 'binance' | 'coinbase',
  frame: ParsedFrame,
  applied: Mutation,
): void {
  if (applied.key === undefined || !REQUIRED_DECIMALS[provider].has(applied.key)) return
  let valid = false
  if (applied.value !== undefined) {
    try {
      const value: unknown = JSON.parse(applied.value)
      const decimal = typeof value === 'string' ? parseDecimal(value) : undefined
      valid = decimal !== undefined
    } catch {
      valid = false
    }
  }
  if (!valid) expect(frame.kind).toBe('dropped')
}

describe.each(['binance' as const, 'coinbase' as const])(
  'createFrameParser(%s) fuzz',
  (provider) => {
    const symbols = ['BTC', 'ETH']
    const parser = createFrameParser(provider, { symbols })
    let sequence = 1
    const ticker =
      provider === 'binance'
        ? binanceFrame(() => NOW)
        : coinbaseFrame(
            () => NOW,
            () => sequence++,
          )

    it(
      'never throws, and emits only finite positive prices with sane times for subscribed symbols',
      () => {
        fc.assert(
          fc.property(
            anyFrame(ticker),
            fc.integer({ min: NOW - DAY, max: NOW + DAY }),
            (text, at) => {
              checkParsed(parser.parse(text, at), at, symbols)
            },
          ),
          PARAMETERS,
        )
      },
      TIMEOUT,
    )

    it('gives the same verdict whether a frame is read flat or through JSON.parse', () => {
      // A leading tab is still JSON, but the flat ticker reader leaves such frames to JSON.parse.
      fc.assert(
        fc.property(anyFrame(ticker), (text) => {
          expect(parser.parse(text, NOW)).toEqual(parser.parse(`\t${text}`, NOW))
        }),
        PARAMETERS,
      )
    })

    it('drops every ticker whose price, change or volume is not decimal text', () => {
      fc.assert(
        fc.property(ticker, ({ text, mutation: applied }) => {
          const frame = parser.parse(text, NOW)
          checkParsed(frame, NOW, symbols)
          checkMutation(provider, frame, applied)
        }),
        PARAMETERS,
      )
    })

    it('parses the unmutated tickers (the fuzz reaches the price path)', () => {
      let prices = 0
      fc.assert(
        fc.property(ticker, ({ text, mutation: applied }) => {
          if (applied.key !== undefined) return
          const frame = parser.parse(text, NOW)
          checkParsed(frame, NOW, symbols)
          // ADA is not subscribed: dropped as unknown-market.
          if (frame.kind === 'price') prices++
          else expect(frame).toMatchObject({ kind: 'dropped', reason: 'unknown-market' })
        }),
        PARAMETERS,
      )
      expect(prices).toBeGreaterThan(0)
    })

    // JSON.parse alone spends ~4 s refusing 10 M nested '[' (7 to 10 s for the test on a quiet
    // 2-core machine): the default 20 s ran out under a parallel `turbo run test`.
    it('drops 10 MB frames (junk, one huge string, deep nesting) without throwing', () => {
      const tenMb = 10 * 1024 * 1024
      const frames = [
        'x'.repeat(tenMb),
        `{"e":"24hrTicker","s":"${'B'.repeat(tenMb)}"}`,
        `{"type":"ticker","price":"${'9'.repeat(tenMb)}"}`,
        '['.repeat(tenMb),
        `{"c":${'1'.repeat(tenMb)}}`,
      ]
      for (const text of frames) {
        const frame = parser.parse(text, NOW)
        expect(['dropped', 'ignored']).toContain(frame.kind)
      }
    }, 60_000)
  },
)

// ---------------------------------------------------------------------------------------------
// The same frames behind a real connection: counted, never fatal, good frames keep flowing.

interface Live {
  readonly feed: Harness
  readonly parser: FrameParser
  readonly send: (text: string) => void
  /** A valid ticker for BTC, newer than anything sent before. */
  readonly marker: (price: string) => string
  readonly ticker: fc.Arbitrary<{ text: string }>
}

function providerStatus(manager: PriceFeedManager) {
  const status = manager.getStatus().providers[0]
  if (status === undefined) throw new Error('no provider status')
  return status
}

describe.each(['binance' as const, 'coinbase' as const])(
  '%s adapter fuzz over a socket',
  (provider) => {
    let binance: FakeBinance | undefined
    let coinbase: FakeCoinbase | undefined
    let live: Live
    const symbols = ['BTC', 'ETH']

    beforeAll(async () => {
      // Frames we send carry event times up to a minute old; the marker is always the newest.
      // Above any sequence the fake starts from, so our tickers are the newest.
      let sequence = 100_000_000_000
      const nextSequence = () => (sequence += 1)
      let feed: Harness
      if (provider === 'binance') {
        const exchange = await startFakeBinance({ tickInterval: 0, pingInterval: 0, seed: 1 })
        binance = exchange
        feed = harness({ urls: { binance: exchange.url } })
        live = {
          feed,
          parser: createFrameParser('binance', { symbols }),
          send: (text) => {
            exchange.sendRaw(text)
          },
          marker: (price) => render(binanceTicker('BTCUSDT', Date.now(), price, '1')),
          ticker: binanceFrame(() => Date.now() - 60_000),
        }
      } else {
        const exchange = await startFakeCoinbase({ tickInterval: 0, heartbeatInterval: 0, seed: 1 })
        coinbase = exchange
        feed = harness({ urls: { coinbase: exchange.url } })
        live = {
          feed,
          parser: createFrameParser('coinbase', { symbols }),
          send: (text) => {
            exchange.sendRaw(text)
          },
          marker: (price) =>
            render(coinbaseTicker('BTC-USD', nextSequence(), Date.now(), price, '1')),
          ticker: coinbaseFrame(() => Date.now() - 60_000, nextSequence),
        }
      }
      feed.manager.addProvider(provider, symbols)
      await feed.manager.start()
      await waitFor(() => providerStatus(feed.manager).state === 'connected', 'the connection')
      await waitFor(
        () => (binance?.subscriptions() ?? coinbase?.subscriptions() ?? []).length === 2,
        'both subscriptions',
      )
    })

    afterAll(async () => {
      await live.feed.manager.stop()
      await binance?.close()
      await coinbase?.close()
    })

    let markers = 0
    /** Sends a fresh valid ticker and waits until it comes out: everything before it was handled. */
    async function flush(): Promise<void> {
      markers++
      const price = `${markers}.5`
      live.send(live.marker(price))
      await waitFor(
        () => live.feed.updates.some((u) => u.symbol === 'BTC' && formatDecimal(u.price) === price),
        `marker ${price} (a frame before it must have stopped the feed)`,
      )
    }

    it(
      'counts every dropped frame, emits exactly the valid ones, and keeps the connection',
      async () => {
        await flush()
        const reconnects = providerStatus(live.feed.manager).reconnects
        const notShutdown = (text: string) => {
          const frame = live.parser.parse(text, Date.now())
          return !(frame.kind === 'control' && frame.control === 'shutdown')
        }
        await fc.assert(
          fc.asyncProperty(
            fc.array(anyFrame(live.ticker).filter(notShutdown), { minLength: 1, maxLength: 15 }),
            async (frames) => {
              const before = providerStatus(live.feed.manager)
              const updatesBefore = live.feed.updates.length
              let drops = 0
              let prices = 0
              for (const text of frames) {
                const frame = live.parser.parse(text, Date.now())
                // The adapter also drops event times more than a day ahead.
                const ahead = frame.kind === 'price' && frame.update.timestamp > Date.now() + DAY
                if (frame.kind === 'dropped' || ahead) drops++
                else if (frame.kind === 'price') prices++
                live.send(text)
              }
              await flush()
              const after = providerStatus(live.feed.manager)
              expect(after.droppedFrames - before.droppedFrames).toBe(drops)
              const emitted = live.feed.updates.slice(updatesBefore)
              // Everything the parser accepted came out (or was discarded as older and counted).
              expect(emitted.length - 1 + (after.outOfOrder - before.outOfOrder)).toBe(prices)
              for (const update of emitted) checkUpdate(update, Date.now(), symbols, true)
              expect(after.reconnects).toBe(reconnects)
            },
          ),
          { numRuns: LIVE_RUNS, seed: SEED },
        )
        expect(providerStatus(live.feed.manager).droppedFrames).toBeGreaterThan(0)
      },
      TIMEOUT,
    )

    it('drops a far-future event time and goes on delivering the following tickers', async () => {
      const before = providerStatus(live.feed.manager).droppedFrames
      const future = Date.now() + 400 * DAY
      live.send(
        provider === 'binance'
          ? render(binanceTicker('BTCUSDT', future, '7', '1'))
          : render(coinbaseTicker('BTC-USD', 200_000_000_000, future, '7', '1')),
      )
      await flush()
      expect(providerStatus(live.feed.manager).droppedFrames - before).toBe(1)
    })

    it('drops 10 MB and invalid UTF-8 frames, counted, on the same connection', async () => {
      const before = providerStatus(live.feed.manager)
      const tenMb = 10 * 1024 * 1024
      live.send(`{"c":"${'9'.repeat(tenMb)}"}`)
      live.send('x'.repeat(tenMb))
      const exchange = binance ?? coinbase
      exchange?.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
      await flush()
      const after = providerStatus(live.feed.manager)
      expect(after.droppedFrames - before.droppedFrames).toBe(3)
      expect(after.reconnects).toBe(before.reconnects)
    })
  },
)
