// Ingest: Binance `@ticker` and Coinbase `ticker` text frames → PriceUpdate through the real
// adapter code (price-feeds createFrameParser), vs raw JSON.parse of the same frames, and vs
// ccxt's own pro handlers (ccxt's WebSocket client onMessage: its JSON decode, then the
// exchange's handleMessage → ticker parsing), run offline with markets set by setMarkets.
// Figure: frames per second over a fixed time slice, on a ring of distinct realistic frames.
import { readFileSync } from 'node:fs'
import ccxt from 'ccxt'
import { compare, result } from '../lib.mjs'

const FRAMES = 2_000
// ccxt.version lags its package version; the installed package's own file is the truth.
const CCXT_VERSION = JSON.parse(
  readFileSync(new URL('../node_modules/ccxt/package.json', import.meta.url), 'utf8'),
).version

/** Deterministic PRNG (mulberry32) so every run parses the same frames. */
function random(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const MARKETS = [
  ['BTC', 65_000.12],
  ['ETH', 3_400.5],
  ['SOL', 150.25],
  ['LINK', 14.2],
  ['DOT', 6.53],
  ['ADA', 0.4512],
]

// Binance sends 8 decimals on spot tickers ("17165.16000000"), Coinbase trims ("1285.22").
const fixed = (value, digits) => value.toFixed(digits)
const cb = (value) => String(Number(value.toPrecision(10)))

export function binanceFrames(count) {
  const next = random(1)
  const prices = MARKETS.map(([, price]) => price)
  let time = 1_767_225_600_000
  let tradeId = 3_000_000_000
  const frames = []
  for (let i = 0; i < count; i++) {
    const m = i % MARKETS.length
    prices[m] *= 1 + (next() - 0.5) * 0.002
    const last = prices[m]
    const open = last * 0.98
    const spread = last * 0.0001
    time += 7
    tradeId += 13
    frames.push(
      JSON.stringify({
        e: '24hrTicker',
        E: time,
        s: `${MARKETS[m][0]}USDT`,
        p: fixed(last - open, 8),
        P: fixed(((last - open) / open) * 100, 3),
        w: fixed(last * 0.99, 8),
        x: fixed(open, 8),
        c: fixed(last, 8),
        Q: fixed(next() * 2, 8),
        b: fixed(last - spread, 8),
        B: fixed(next() * 5, 8),
        a: fixed(last + spread, 8),
        A: fixed(next() * 5, 8),
        o: fixed(open, 8),
        h: fixed(last * 1.01, 8),
        l: fixed(open * 0.99, 8),
        v: fixed(10_000 + next() * 1_000, 8),
        q: fixed((10_000 + next() * 1_000) * last, 8),
        O: time - 86_400_000,
        C: time,
        F: tradeId - 500_000,
        L: tradeId,
        n: 500_001,
      }),
    )
  }
  return frames
}

export function coinbaseFrames(count) {
  const next = random(2)
  const prices = MARKETS.map(([, price]) => price)
  const sequences = MARKETS.map((_, m) => 50_978_628_538 + m * 1_000_000)
  let time = Date.parse('2026-01-01T00:00:00.000Z')
  let tradeId = 463_751_434
  const frames = []
  for (let i = 0; i < count; i++) {
    const m = i % MARKETS.length
    prices[m] *= 1 + (next() - 0.5) * 0.002
    const last = prices[m]
    time += 7
    tradeId += 3
    const micros = String(Math.floor(next() * 1000)).padStart(3, '0')
    frames.push(
      JSON.stringify({
        type: 'ticker',
        sequence: sequences[m]++,
        product_id: `${MARKETS[m][0]}-USD`,
        price: cb(last),
        open_24h: cb(last * 0.98),
        volume_24h: fixed(42_000 + next() * 1_000, 8),
        low_24h: cb(last * 0.97),
        high_24h: cb(last * 1.01),
        volume_30d: fixed(1_093_827 + next() * 1_000, 8),
        best_bid: cb(last * 0.9999),
        best_bid_size: fixed(next(), 8),
        best_ask: cb(last * 1.0001),
        best_ask_size: fixed(next(), 8),
        side: next() < 0.5 ? 'buy' : 'sell',
        time: `${new Date(time).toISOString().slice(0, -1)}${micros}Z`,
        trade_id: tradeId,
        last_size: fixed(next() / 10, 8),
      }),
    )
  }
  return frames
}

function ccxtMarket(id, base, quote) {
  return {
    id,
    symbol: `${base}/${quote}`,
    base,
    quote,
    baseId: base,
    quoteId: quote,
    type: 'spot',
    spot: true,
    margin: false,
    swap: false,
    future: false,
    option: false,
    contract: false,
    active: true,
    precision: { amount: 1e-8, price: 1e-8 },
    limits: {},
    info: {},
  }
}

/** A ccxt pro exchange with no network: markets set by hand, frames fed to its client. */
function ccxtHandler(exchange) {
  if (exchange === 'binance') {
    const ex = new ccxt.pro.binance()
    ex.setMarkets(MARKETS.map(([base]) => ccxtMarket(`${base}USDT`, base, 'USDT')))
    const client = ex.client(`${ex.urls.api.ws.spot}/ws`)
    return { ex, feed: (text) => client.onMessage({ data: text }) }
  }
  const ex = new ccxt.pro.coinbaseexchange()
  ex.setMarkets(MARKETS.map(([base]) => ccxtMarket(`${base}-USD`, base, 'USD')))
  const client = ex.client(ex.urls.api.ws)
  return { ex, feed: (text) => client.onMessage({ data: text }) }
}

/** Frames per second over `ms` of work, in batches of the whole ring. */
function framesPerSecond(frames, ms, body) {
  const deadline = process.hrtime.bigint() + BigInt(ms) * 1_000_000n
  const start = process.hrtime.bigint()
  let done = 0
  let now = start
  while (now < deadline) {
    for (const frame of frames) body(frame)
    done += frames.length
    now = process.hrtime.bigint()
  }
  return done / (Number(now - start) / 1e9)
}

export async function run({ quick }) {
  const { createFrameParser } = await import('@crypto-analyzer/price-feeds')
  const slice = quick ? 60 : 400
  const repetitions = quick ? 3 : 7
  const results = []
  for (const exchange of ['binance', 'coinbase']) {
    const frames = exchange === 'binance' ? binanceFrames(FRAMES) : coinbaseFrames(FRAMES)
    const parser = createFrameParser(exchange)
    const receivedAt = Date.now()
    // Every frame must come out as a price, or the figure would measure rejection.
    for (const frame of frames) {
      const parsed = parser.parse(frame, receivedAt)
      if (parsed.kind !== 'price') {
        throw new Error(`${exchange} frame not parsed as a price: ${JSON.stringify(parsed)}`)
      }
    }
    const { ex, feed } = ccxtHandler(exchange)
    for (const frame of frames.slice(0, MARKETS.length)) feed(frame)
    if (Object.keys(ex.tickers ?? {}).length !== MARKETS.length) {
      throw new Error(`ccxt ${exchange} handler did not produce tickers`)
    }
    let sink = 0
    const measured = await compare({
      repetitions,
      warmup: true,
      ours: () =>
        framesPerSecond(frames, slice, (text) => {
          if (parser.parse(text, receivedAt).kind === 'price') sink++
        }),
      baselines: {
        json: () =>
          framesPerSecond(frames, slice, (text) => {
            if (JSON.parse(text) !== null) sink++
          }),
        ccxt: () => framesPerSecond(frames, slice, feed),
      },
    })
    if (sink === 0) throw new Error('ingest bench parsed nothing')
    const params = { exchange }
    results.push(
      result({
        name: 'ingest',
        params: { ...params, vs: 'JSON.parse' },
        unit: 'frames/s',
        higherIsBetter: true,
        ours: measured.ours,
        baseline: measured.baselines.json,
        baselineName: 'JSON.parse only',
        ...(exchange === 'binance' ? { target: { min: 0.45 } } : {}),
      }),
      result({
        name: 'ingest',
        params: { ...params, vs: 'ccxt' },
        unit: 'frames/s',
        higherIsBetter: true,
        ours: measured.ours,
        baseline: measured.baselines.ccxt,
        baselineName: `ccxt ${CCXT_VERSION} pro ${exchange === 'binance' ? 'binance' : 'coinbaseexchange'}`,
        target: { min: 2.5 },
      }),
    )
  }
  return results
}
