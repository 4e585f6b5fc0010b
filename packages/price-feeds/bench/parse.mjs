#!/usr/bin/env node
// Frames per second through createFrameParser(provider).parse (JSON.parse + classification +
// validation + exact Decimal normalization) against a bare JSON.parse of the SAME frames, in the
// same process: median of 5 alternating runs after one warm-up. Run after `pnpm build`:
//   node bench/parse.mjs [--frames 20000] [--json]
import { performance } from 'node:perf_hooks'
import { createFrameParser } from '../dist/index.js'

const args = process.argv.slice(2)
const flag = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const FRAMES = flag('--frames', 20_000)
const RUNS = 5
const asJson = args.includes('--json')

// Deterministic frames in the exchanges' exact formats (decimals as strings), varied prices.
let seed = 12345
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
  return seed / 2 ** 32
}
const SYMBOLS = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK', 'SOL', 'XRP', 'DOGE']
const BASE = { BTC: 65000, ETH: 3500, ADA: 0.45, DOT: 7, LINK: 15, SOL: 150, XRP: 0.6, DOGE: 0.15 }
const fixed = (value, places) => value.toFixed(places)

function binanceFrame(i) {
  const symbol = SYMBOLS[i % SYMBOLS.length]
  const open = BASE[symbol]
  const last = open * (1 + (random() - 0.5) / 20)
  const places = open >= 1000 ? 2 : 8
  return JSON.stringify({
    e: '24hrTicker',
    E: 1_700_000_000_000 + i,
    s: `${symbol}USDT`,
    p: fixed(last - open, places),
    P: fixed(((last - open) / open) * 100, 3),
    w: fixed(open, places),
    x: fixed(open, places),
    c: fixed(last, places),
    Q: '0.01000000',
    b: fixed(last * 0.9999, places),
    B: '1.50000000',
    a: fixed(last * 1.0001, places),
    A: '2.00000000',
    o: fixed(open, places),
    h: fixed(open * 1.05, places),
    l: fixed(open * 0.95, places),
    v: fixed(random() * 1e6, 8),
    q: fixed(random() * 1e9, 8),
    O: 1_699_913_600_000 + i,
    C: 1_700_000_000_000 + i,
    F: 1000 + i,
    L: 2000 + i,
    n: 1001,
  })
}

function coinbaseFrame(i) {
  const symbol = SYMBOLS[i % SYMBOLS.length]
  const open = BASE[symbol]
  const last = open * (1 + (random() - 0.5) / 20)
  const places = open >= 1000 ? 2 : 6
  const time = new Date(1_700_000_000_000 + i).toISOString().replace('Z', '123Z')
  return JSON.stringify({
    type: 'ticker',
    sequence: 50_000_000_000 + i,
    product_id: `${symbol}-USD`,
    price: fixed(last, places),
    open_24h: fixed(open, places),
    volume_24h: fixed(random() * 1e6, 8),
    low_24h: fixed(open * 0.95, places),
    high_24h: fixed(open * 1.05, places),
    volume_30d: fixed(random() * 3e7, 8),
    best_bid: fixed(last * 0.9999, places),
    best_bid_size: '0.46688654',
    best_ask: fixed(last * 1.0001, places),
    best_ask_size: '1.56637040',
    side: 'buy',
    time,
    trade_id: 370_843_401 + i,
    last_size: '0.05',
  })
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function measure(frames, fn) {
  const start = performance.now()
  let sink = 0
  for (let i = 0; i < frames.length; i++) sink += fn(frames[i], i)
  const seconds = (performance.now() - start) / 1000
  if (sink < 0) throw new Error('unreachable')
  return frames.length / seconds
}

const rows = []
for (const provider of ['binance', 'coinbase']) {
  const frames = Array.from({ length: FRAMES }, (_, i) =>
    provider === 'binance' ? binanceFrame(i) : coinbaseFrame(i),
  )
  const parser = createFrameParser(provider, { symbols: SYMBOLS })
  const ours = (text, i) => {
    const frame = parser.parse(text, i)
    if (frame.kind !== 'price')
      throw new Error(`benchmark frame not parsed: ${JSON.stringify(frame)}`)
    return frame.update.timestamp & 1
  }
  const raw = (text) => (JSON.parse(text) === null ? 0 : 1)
  measure(frames, ours) // warm-up (JIT)
  measure(frames, raw)
  const parsed = []
  const baseline = []
  for (let run = 0; run < RUNS; run++) {
    // Alternate which side goes first so neither always pays the other's garbage.
    if (run % 2 === 0) {
      parsed.push(measure(frames, ours))
      baseline.push(measure(frames, raw))
    } else {
      baseline.push(measure(frames, raw))
      parsed.push(measure(frames, ours))
    }
  }
  const ourRate = median(parsed)
  const rawRate = median(baseline)
  rows.push({
    provider,
    frames: FRAMES,
    bytesPerFrame: Math.round(frames.reduce((n, f) => n + f.length, 0) / frames.length),
    parseNormalizePerSecond: Math.round(ourRate),
    jsonParsePerSecond: Math.round(rawRate),
    ratio: Number((ourRate / rawRate).toFixed(3)),
  })
}

if (asJson) {
  console.log(JSON.stringify({ node: process.version, runs: RUNS, rows }, null, 2))
} else {
  console.log(`node ${process.version}, ${FRAMES} frames per provider, median of ${RUNS} runs`)
  console.log('provider  bytes/frame  parse+normalize/s  JSON.parse/s  ratio')
  for (const row of rows) {
    console.log(
      `${row.provider.padEnd(9)} ${String(row.bytesPerFrame).padStart(11)} ${row.parseNormalizePerSecond
        .toLocaleString('en')
        .padStart(18)} ${row.jsonParsePerSecond.toLocaleString('en').padStart(13)} ${row.ratio
        .toFixed(3)
        .padStart(6)}`,
    )
  }
}
