import { ONE, atomsFromNumber, divRound, mulAtoms, parseAtoms } from './fixed.js'
import { createRandom, hashString } from './random.js'
import type { Random } from './random.js'

/** Static description of one market: its native symbol and price/size increments (atoms of 1e-8). */
export interface MarketSpec {
  symbol: string
  base: string
  quote: string
  tick: bigint
  lot: bigint
}

/** Rough USD values, only used to pick a realistic starting price for a market. */
const USD_PRICES: Readonly<Record<string, number>> = {
  BTC: 65_000,
  ETH: 3_200,
  BNB: 580,
  SOL: 150,
  ADA: 0.45,
  DOT: 6.5,
  LINK: 14.5,
  DOGE: 0.15,
  XRP: 0.55,
  LTC: 80,
  BCH: 400,
  AVAX: 30,
  MATIC: 0.7,
  POL: 0.5,
  TRX: 0.12,
  SHIB: 0.00002,
  UNI: 8,
  ATOM: 8,
  XLM: 0.1,
  USDT: 1,
  USDC: 1,
  USD: 1,
  BUSD: 1,
  FDUSD: 1,
  TUSD: 1,
  DAI: 1,
  EUR: 1.08,
  GBP: 1.27,
}

const atoms = (text: string): bigint => parseAtoms(text) ?? ONE

/** A market's real price and size increments on its venue, as decimal text. */
export interface Increments {
  readonly tick: string
  readonly lot: string
}

/** How a venue sizes its markets (each fake passes its own). */
export interface SpecRules {
  /** The market's real increments, when the venue's table knows them. */
  readonly known?: Increments | undefined
  /** The lot of any other market, in atoms; default a power of ten about one dollar's worth or less. */
  readonly lot?: bigint | undefined
}

/** Unknown assets get a stable made-up price between 1 and 100. */
function usdPrice(asset: string): number {
  return USD_PRICES[asset] ?? 1 + (hashString(asset) % 9900) / 100
}

function pow10Atoms(exponent: number): bigint {
  const clamped = Math.min(0, Math.max(-8, exponent))
  return 10n ** BigInt(8 + clamped)
}

export function createSpec(
  symbol: string,
  base: string,
  quote: string,
  rules: SpecRules,
): MarketSpec {
  const { known } = rules
  const price = usdPrice(base) / usdPrice(quote)
  const magnitude = Math.floor(Math.log10(price))
  // About seven significant digits of price, as on both exchanges.
  const tick = known !== undefined ? atoms(known.tick) : pow10Atoms(Math.min(-2, magnitude - 6))
  const baseUsd = usdPrice(base)
  const lot =
    known !== undefined
      ? atoms(known.lot)
      : (rules.lot ?? pow10Atoms(-Math.max(0, Math.ceil(Math.log10(baseUsd)) + 1)))
  return { symbol, base, quote, tick, lot }
}

const MAX_DRIFT = 0.15
const STABLE: ReadonlySet<string> = new Set(['USDT', 'USDC', 'USD', 'BUSD', 'FDUSD', 'TUSD', 'DAI'])

/**
 * The evolving state of one market: a bounded random walk of trades. One `step()` is one batch of
 * 1-4 trades, after which every field (last, 24h open/high/low, volumes, best bid/ask, trade ids,
 * sequence, trade time) is consistent with the others.
 */
export class MarketState {
  readonly spec: MarketSpec
  readonly open: bigint
  last: bigint
  high: bigint
  low: bigint
  /** 24h base volume, atoms. */
  volume: bigint
  /** 24h quote volume, atoms. */
  quoteVolume: bigint
  /** 30 day base volume, atoms (Coinbase). */
  volume30d: bigint
  bid: bigint
  bidQty: bigint
  ask: bigint
  askQty: bigint
  lastQty: bigint
  /** Taker side of the last trade. */
  side: 'buy' | 'sell'
  readonly firstTradeId: number
  lastTradeId: number
  /** Coinbase per-product sequence (the sequence of the last trade's match). */
  sequence: number
  /** Binance bookTicker update id. */
  updateId: number
  /** Time of the last trade, epoch microseconds. */
  tradeTimeUs: number
  private readonly random: Random
  private readonly minPrice: bigint
  private readonly maxPrice: bigint

  constructor(spec: MarketSpec, seed: number, nowMs: number, startPrice?: bigint) {
    this.spec = spec
    const random = createRandom(seed ^ hashString(spec.symbol))
    this.random = random
    const reference = usdPrice(spec.base) / usdPrice(spec.quote)
    const open = startPrice ?? atomsFromNumber(reference * random.range(0.97, 1.03), 1n)
    this.open = this.atLeastTick(this.roundTick(open))
    this.minPrice = this.atLeastTick(this.roundTick(scale(this.open, 1 - MAX_DRIFT)))
    this.maxPrice = this.roundTick(scale(this.open, 1 + MAX_DRIFT))
    this.last = this.clamp(this.roundTick(scale(this.open, random.range(0.97, 1.03))))
    this.high = this.roundTick(scale(max(this.open, this.last), random.range(1.001, 1.02)))
    this.low = this.atLeastTick(
      this.roundTick(scale(min(this.open, this.last), random.range(0.98, 0.999))),
    )
    const baseUsd = usdPrice(spec.base)
    // Majors against a dollar trade hundreds of millions a day; crosses like DOGEBNB far less.
    const dailyUsd = STABLE.has(spec.quote) ? random.range(5e6, 5e8) : random.range(5e4, 5e6)
    this.volume = this.roundLot(atomsFromNumber(dailyUsd / baseUsd, 1n))
    // Trades so far happened between low and high: start the average in the middle of open/last.
    this.quoteVolume = mulAtoms(this.volume, (this.open + this.last) / 2n)
    this.volume30d = this.volume * BigInt(random.int(20, 35))
    this.firstTradeId = random.int(100_000_000, 4_000_000_000)
    this.lastTradeId = this.firstTradeId + random.int(50_000, 900_000)
    this.sequence = random.int(1_000_000_000, 90_000_000_000)
    this.updateId = random.int(1_000_000_000, 40_000_000_000)
    this.lastQty = this.tradeSize()
    this.side = random.next() < 0.5 ? 'buy' : 'sell'
    this.bid = this.last
    this.ask = this.last
    this.bidQty = 0n
    this.askQty = 0n
    this.quote()
    // The last trade happened shortly before the server started (Coinbase replays it on subscribe).
    this.tradeTimeUs = (nowMs - random.int(200, 3000)) * 1000 + random.int(0, 999)
  }

  /** One batch of trades at `nowMs`. */
  step(nowMs: number): void {
    const random = this.random
    const trades = random.int(1, 4)
    const maxMove = max(1n, this.last / this.spec.tick / 2000n)
    for (let i = 0; i < trades; i++) {
      let move = BigInt(Math.round((random.next() * 2 - 1) * Number(maxMove)))
      // Pull back towards the open when the walk strays too far.
      if (this.last + move * this.spec.tick > this.maxPrice) move = -abs(move)
      if (this.last + move * this.spec.tick < this.minPrice) move = abs(move)
      this.last = this.clamp(this.last + move * this.spec.tick)
      const size = this.tradeSize()
      this.lastQty = size
      this.volume += size
      this.volume30d += size
      this.quoteVolume += mulAtoms(size, this.last)
      if (this.last > this.high) this.high = this.last
      if (this.last < this.low) this.low = this.last
    }
    this.side = random.next() < 0.5 ? 'buy' : 'sell'
    this.quote()
    this.lastTradeId += trades
    // A ticker carries its match's sequence; other messages of the product happened in between.
    this.sequence += trades + random.int(0, 6)
    this.updateId += random.int(1, 20)
    this.tradeTimeUs = Math.max(nowMs * 1000 + random.int(0, 999), this.tradeTimeUs + 1)
  }

  /** Volume-weighted average price of the window (quote volume / base volume). */
  weightedAverage(): bigint {
    return this.volume > 0n ? divRound(this.quoteVolume * ONE, this.volume) : this.last
  }

  private quote(): void {
    const spread = BigInt(this.random.int(1, 3)) * this.spec.tick
    // A taker buy lifted the ask, a taker sell hit the bid.
    if (this.side === 'buy') {
      this.ask = this.last
      this.bid = this.atLeastTick(this.last - spread)
      if (this.bid >= this.ask) this.ask = this.bid + this.spec.tick
    } else {
      this.bid = this.last
      this.ask = this.last + spread
    }
    this.bidQty = this.tradeSize()
    this.askQty = this.tradeSize()
  }

  private tradeSize(): bigint {
    const random = this.random
    const notionalUsd = Math.exp(random.range(Math.log(20), Math.log(20_000)))
    const baseUsd = usdPrice(this.spec.base)
    let size = atomsFromNumber(notionalUsd / baseUsd, this.spec.lot)
    if (this.spec.lot === 1n) {
      // Coinbase sizes: many trades are round numbers ("0.05"), others use all 8 decimals.
      const step = 10n ** BigInt(random.int(0, 6))
      const rounded = divRound(size, step) * step
      if (rounded > 0n) size = rounded
    }
    return size > 0n ? size : this.spec.lot
  }

  private roundTick(value: bigint): bigint {
    return divRound(value, this.spec.tick) * this.spec.tick
  }

  private roundLot(value: bigint): bigint {
    return max(this.spec.lot, divRound(value, this.spec.lot) * this.spec.lot)
  }

  private atLeastTick(value: bigint): bigint {
    return value < this.spec.tick ? this.spec.tick : value
  }

  private clamp(value: bigint): bigint {
    return min(this.maxPrice, max(this.minPrice, value))
  }
}

function scale(value: bigint, factor: number): bigint {
  return divRound(value * BigInt(Math.round(factor * 1_000_000)), 1_000_000n)
}
function abs(value: bigint): bigint {
  return value < 0n ? -value : value
}
function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}
function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

/** Formats epoch microseconds as RFC3339 with 6 fraction digits (`2022-10-19T23:28:22.061769Z`). */
export function formatMicros(epochUs: number): string {
  const ms = Math.floor(epochUs / 1000)
  const micros = String(Math.floor(epochUs) % 1000).padStart(3, '0')
  return new Date(ms).toISOString().replace('Z', `${micros}Z`)
}
