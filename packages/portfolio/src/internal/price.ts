import { Decimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'

const finite = (value: unknown): boolean => Decimal.isDecimal(value) && value.isFinite()

/**
 * Why an update cannot be used, or `undefined` when it can. For prices a caller hands in
 * (`applyPriceUpdate`, `evaluate`, an Observable), whose type is only the caller's word; prices
 * from the bus are not checked again, the feed manager validated them where their frame entered.
 */
export function invalidUpdate(update: unknown): string | undefined {
  if (typeof update !== 'object' || update === null) return 'not an object'
  const u = update as Partial<PriceUpdate>
  if (typeof u.symbol !== 'string' || u.symbol.length === 0) return 'symbol missing'
  if (!finite(u.price) || !(u.price as Decimal).isPositive() || (u.price as Decimal).isZero()) {
    return 'price is not a positive Decimal'
  }
  if (!finite(u.change24h)) return 'change24h is not a Decimal'
  if (!finite(u.changePercent24h)) return 'changePercent24h is not a Decimal'
  if (!finite(u.volume24h)) return 'volume24h is not a Decimal'
  if (typeof u.timestamp !== 'number' || !Number.isFinite(u.timestamp)) return 'timestamp missing'
  if (typeof u.source !== 'string') return 'source missing'
  return undefined
}
