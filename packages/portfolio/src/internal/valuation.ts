import { Decimal } from '@crypto-analyzer/core-events'
import type { HoldingValue, PriceUpdate } from '@crypto-analyzer/core-events'
import { Exact, ZERO, toPublic } from './exact.js'

/** A holding with its current contribution to the totals (all exact). */
interface Position {
  readonly symbol: string
  readonly amount: Decimal
  readonly costBasis: Decimal | undefined
  /** `amount × costBasis`, when a cost basis is known. */
  readonly cost: Decimal | undefined
  price: PriceUpdate | undefined
  value: Decimal
  change: Decimal
  pnl: Decimal | undefined
}

export interface ValuationTotals {
  readonly totalValue: Decimal
  readonly totalChange24h: Decimal
  readonly totalUnrealizedPnl: Decimal | undefined
}

export interface BuiltSnapshot extends ValuationTotals {
  readonly totalChangePercent24h: Decimal
  readonly holdings: HoldingValue[]
  readonly missing: string[]
  readonly stale: string[]
  /** Earliest moment a price in this snapshot turns stale, or `Infinity`. */
  readonly nextStaleAt: number
}

const HUNDRED = new Decimal(100)
/** Percentages are ratios, not money: 8 decimal places (half-even) is beyond any display. */
export const PERCENT_DECIMALS = 8
// A percentage needs ~20 significant digits before its rounding to 8 places; dividing at the
// full 64 digits made a 1,000-holding snapshot several times slower for digits nobody reads.
const PercentDecimal = Decimal.clone({ precision: 28 })

/** `part / whole × 100` rounded to {@link PERCENT_DECIMALS} places, 0 when whole is 0. */
export function percentOf(part: Decimal, whole: Decimal): Decimal {
  if (whole.isZero()) return new Decimal(0)
  const result = new PercentDecimal(part)
    .mul(HUNDRED)
    .div(whole)
    .toDecimalPlaces(PERCENT_DECIMALS, Decimal.ROUND_HALF_EVEN)
  return result.isZero() ? new Decimal(0) : new Decimal(result)
}

/**
 * Holdings, the latest price per symbol, and running totals. A price update touches one
 * position and adjusts the totals by its difference (O(1)); building a snapshot is O(holdings).
 */
export class Valuation {
  private readonly positions = new Map<string, Position>()
  private readonly prices = new Map<string, PriceUpdate>()
  private totalValue: Decimal = ZERO
  private totalChange: Decimal = ZERO
  private totalPnl: Decimal = ZERO
  private pnlCount = 0

  get size(): number {
    return this.positions.size
  }

  holdings(): { symbol: string; amount: Decimal; costBasis: Decimal | undefined }[] {
    return [...this.positions.values()].map((p) => ({
      symbol: p.symbol,
      amount: p.amount,
      costBasis: p.costBasis,
    }))
  }

  has(symbol: string): boolean {
    return this.positions.has(symbol)
  }

  symbols(): string[] {
    return [...this.positions.keys()]
  }

  latestPrice(symbol: string): PriceUpdate | undefined {
    return this.prices.get(symbol)
  }

  setHolding(symbol: string, amount: Decimal, costBasis: Decimal | undefined): void {
    const previous = this.positions.get(symbol)
    if (previous !== undefined) this.withdraw(previous)
    const position: Position = {
      symbol,
      amount: new Exact(amount),
      costBasis: costBasis === undefined ? undefined : new Exact(costBasis),
      cost: costBasis === undefined ? undefined : new Exact(amount).mul(costBasis),
      price: undefined,
      value: ZERO,
      change: ZERO,
      pnl: undefined,
    }
    // Re-adding keeps the map's order (a Map keeps the first insertion's slot).
    this.positions.set(symbol, position)
    this.price(position, this.prices.get(symbol))
    this.deposit(position)
  }

  removeHolding(symbol: string): boolean {
    const position = this.positions.get(symbol)
    if (position === undefined) return false
    this.withdraw(position)
    this.positions.delete(symbol)
    return true
  }

  /**
   * Records the price and revalues the one holding of that symbol. Returns whether a held
   * symbol changed. Updates are taken in the order given: the feed manager never lets a
   * symbol's event time go back, so a late frame never reaches this point.
   */
  applyPrice(update: PriceUpdate): boolean {
    this.prices.set(update.symbol, update)
    const position = this.positions.get(update.symbol)
    if (position === undefined) return false
    this.withdraw(position)
    this.price(position, update)
    this.deposit(position)
    return true
  }

  totals(): ValuationTotals {
    return {
      totalValue: toPublic(this.totalValue),
      totalChange24h: toPublic(this.totalChange),
      totalUnrealizedPnl: this.pnlCount === 0 ? undefined : toPublic(this.totalPnl),
    }
  }

  /** Builds the holdings list with allocations and the stale/missing lists at `now`. */
  build(now: number, staleAfter: number): BuiltSnapshot {
    const totals = this.totals()
    const holdings: HoldingValue[] = []
    const missing: string[] = []
    const stale: string[] = []
    let nextStaleAt = Infinity
    for (const position of this.positions.values()) {
      const price = position.price
      let isStale = false
      if (price === undefined) {
        missing.push(position.symbol)
      } else if (staleAfter > 0) {
        const staleAt = price.timestamp + staleAfter
        if (now > staleAt) {
          isStale = true
          stale.push(position.symbol)
        } else if (staleAt + 1 < nextStaleAt) {
          nextStaleAt = staleAt + 1
        }
      }
      const value = toPublic(position.value)
      const holding: Mutable<HoldingValue> = {
        symbol: position.symbol,
        amount: toPublic(position.amount),
        value,
        change24h: toPublic(position.change),
        allocationPercent: percentOf(value, totals.totalValue),
      }
      if (price !== undefined) {
        holding.price = price.price
        holding.stale = isStale
      }
      if (position.pnl !== undefined) holding.unrealizedPnl = toPublic(position.pnl)
      holdings.push(holding)
    }
    return {
      ...totals,
      totalChangePercent24h: percentOf(
        totals.totalChange24h,
        totals.totalValue.minus(totals.totalChange24h),
      ),
      holdings,
      missing,
      stale,
      nextStaleAt,
    }
  }

  private price(position: Position, update: PriceUpdate | undefined): void {
    position.price = update
    if (update === undefined) {
      position.value = ZERO
      position.change = ZERO
      position.pnl = undefined
      return
    }
    position.value = position.amount.mul(update.price)
    position.change = position.amount.mul(update.change24h)
    position.pnl = position.cost === undefined ? undefined : position.value.minus(position.cost)
  }

  private withdraw(position: Position): void {
    this.totalValue = this.totalValue.minus(position.value)
    this.totalChange = this.totalChange.minus(position.change)
    if (position.pnl !== undefined) {
      this.totalPnl = this.totalPnl.minus(position.pnl)
      this.pnlCount--
    }
  }

  private deposit(position: Position): void {
    this.totalValue = this.totalValue.plus(position.value)
    this.totalChange = this.totalChange.plus(position.change)
    if (position.pnl !== undefined) {
      this.totalPnl = this.totalPnl.plus(position.pnl)
      this.pnlCount++
    }
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
