import { Decimal } from '@crypto-analyzer/core-events'
import type { Clock, PriceUpdate, TimerHandle } from '@crypto-analyzer/core-events'
import { MOCK_DEFAULT_SYMBOLS } from '../../mock.js'
import { percentOf } from '../percent.js'
import type { ProviderAdapter, ProviderCounters, ProviderSink } from '../provider.js'
import type { VenueDefinition } from './venue.js'

/**
 * The offline provider, a venue like the others to the feed manager: no URL, no frames, one
 * seeded random walk per symbol.
 */
export const MOCK_VENUE: VenueDefinition = {
  name: 'mock',
  description: 'offline random walk (no network)',
  defaultQuote: 'USD',
  defaultUrl: undefined,
  defaultSymbols: MOCK_DEFAULT_SYMBOLS,
  maxSymbols: undefined,
  resolveUrl: () => undefined,
  create(context) {
    const { interval } = context.mock
    const seed = context.mock.seed ?? Math.floor(Math.random() * 2 ** 32)
    context.logger.info({ seed, interval }, 'mock provider')
    return createMockProvider({
      symbols: context.symbols,
      interval,
      seed,
      clock: context.clock,
      sink: context.sink,
    })
  },
}

/** Largest move of one step, in parts per million of the price (0.1 %). */
const MOCK_MAX_STEP_PPM = 1000
/** Largest distance of the mock's 24h open from its starting price, in ppm (3 %). */
const MAX_OPEN_OFFSET_PPM = 30_000
/** Largest change of the 24h volume per step, in ppm (0.05 %). */
const MAX_VOLUME_STEP_PPM = 500

interface Profile {
  readonly price: string
  /** Plausible 24h base-asset volume. */
  readonly volume: string
}

/** Realistic starting points for the default symbols. */
const PROFILES: Readonly<Record<string, Profile>> = {
  BTC: { price: '65000.00', volume: '25000.00' },
  ETH: { price: '3500.00', volume: '350000.00' },
  ADA: { price: '0.4500', volume: '450000000.00' },
  DOT: { price: '7.0000', volume: '9000000.00' },
  LINK: { price: '15.0000', volume: '12000000.00' },
}

const ONE = new Decimal(1)
const MILLION = new Decimal(1_000_000)

/** mulberry32: small, fast, and the same sequence on every platform for a seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** FNV-1a of the symbol mixed with the seed: each symbol walks its own reproducible path. */
function symbolSeed(seed: number, symbol: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0)
  for (let i = 0; i < symbol.length; i++) {
    hash ^= symbol.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** A bell-shaped integer in [-max, max] (mean of three uniforms), so big steps are rare. */
const boundedStep = (random: () => number, max: number): number =>
  Math.round(((random() + random() + random()) / 3) * 2 * max - max)

const priceDecimals = (price: Decimal): number =>
  price.greaterThanOrEqualTo(1000) ? 2 : price.greaterThanOrEqualTo(1) ? 4 : 6

interface Walker {
  readonly symbol: string
  readonly random: () => number
  readonly open: Decimal
  price: Decimal
  volume: Decimal
}

function createWalker(seed: number, symbol: string): Walker {
  const random = mulberry32(symbolSeed(seed, symbol))
  const profile = PROFILES[symbol]
  // Unknown symbols start somewhere between 0.1 and 1000, with ~20 M quote volume a day.
  const start =
    profile === undefined
      ? new Decimal(10).pow(new Decimal(Math.round(random() * 4000) - 1000).dividedBy(1000))
      : new Decimal(profile.price)
  const price = start.toDecimalPlaces(priceDecimals(start))
  const volume =
    profile === undefined
      ? new Decimal(20_000_000).dividedBy(price).toDecimalPlaces(2)
      : new Decimal(profile.volume)
  const openOffset = new Decimal(boundedStep(random, MAX_OPEN_OFFSET_PPM)).dividedBy(MILLION)
  const open = price.times(ONE.plus(openOffset)).toDecimalPlaces(priceDecimals(price))
  return { symbol, random, open, price, volume }
}

/** One random-walk step: bounded, multiplicative (so never negative), at the price's tick size. */
function step(walker: Walker): void {
  const move = new Decimal(boundedStep(walker.random, MOCK_MAX_STEP_PPM)).dividedBy(MILLION)
  const next = walker.price.times(ONE.plus(move))
  const decimals = priceDecimals(next)
  const tick = new Decimal(1).dividedBy(new Decimal(10).pow(decimals))
  const rounded = next.toDecimalPlaces(decimals)
  walker.price = rounded.isZero() ? tick : rounded
  const volumeMove = new Decimal(boundedStep(walker.random, MAX_VOLUME_STEP_PPM)).dividedBy(MILLION)
  walker.volume = walker.volume.times(ONE.plus(volumeMove)).toDecimalPlaces(2)
}

function snapshot(walker: Walker, now: number): PriceUpdate {
  const price = walker.price
  const decimals = priceDecimals(price)
  const tick = new Decimal(1).dividedBy(new Decimal(10).pow(decimals))
  const change24h = price.minus(walker.open)
  const bid = price.minus(tick)
  return {
    symbol: walker.symbol,
    price,
    change24h,
    // The same rule as Coinbase's derived percent, so both sources round alike.
    changePercent24h: percentOf(change24h, walker.open),
    volume24h: walker.volume,
    timestamp: now,
    source: 'mock',
    ...(bid.isPositive() && !bid.isZero() ? { bid } : {}),
    ask: price.plus(tick),
    receivedAt: now,
  }
}

interface MockProviderOptions {
  readonly symbols: readonly string[]
  readonly interval: number
  readonly seed: number
  readonly clock: Clock
  readonly sink: ProviderSink
}

/**
 * The offline provider: one update per symbol per `interval`, the first at once on `start()`.
 * The same `seed` gives the same prices whatever the timing.
 */
function createMockProvider(options: MockProviderOptions): ProviderAdapter {
  const { clock, sink, interval } = options
  const walkers = options.symbols.map((symbol) => createWalker(options.seed, symbol))
  let timer: TimerHandle = undefined
  let startedAt: number | undefined
  let running = false
  let messages = 0
  let lastMessageAt: number | undefined

  const tick = (first: boolean): void => {
    const now = clock.now()
    for (const walker of walkers) {
      if (!running) return
      if (!first) step(walker)
      messages++
      lastMessageAt = now
      sink.update(snapshot(walker, now))
    }
  }

  return {
    name: 'mock',
    symbols: options.symbols,
    start() {
      if (running) return
      running = true
      startedAt = clock.now()
      sink.state('mock', 'connected', `mock provider ticking every ${interval} ms`)
      timer = clock.setInterval(() => {
        tick(false)
      }, interval)
      tick(true)
    },
    stop() {
      if (timer !== undefined) clock.clearInterval(timer)
      timer = undefined
      if (running) {
        running = false
        sink.state('mock', 'stopped', 'stopped')
      }
      return Promise.resolve()
    },
    counters(): ProviderCounters {
      return {
        state: running ? 'connected' : startedAt === undefined ? 'idle' : 'stopped',
        messagesReceived: messages,
        uptimeSeconds: running && startedAt !== undefined ? (clock.now() - startedAt) / 1000 : 0,
        latencyMs: undefined,
        reconnects: 0,
        droppedFrames: 0,
        lastMessageAt,
        exchangeLatencyMs: undefined,
      }
    },
  }
}
