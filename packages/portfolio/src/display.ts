import { Decimal } from '@crypto-analyzer/core-events'

/**
 * Rounds for display only: `places` decimal places, half away from zero (`2.345` → `2.35`,
 * `-2.345` → `-2.35`), written without exponent and with trailing zeros kept (`2.50`). Snapshot
 * figures themselves are never rounded: values and totals are exact, percentages carry 64
 * significant digits.
 */
export function roundForDisplay(value: Decimal | string, places = 2): string {
  if (!Number.isInteger(places) || places < 0 || places > 100) {
    throw new RangeError(`places must be an integer from 0 to 100 (got ${places}); e.g. 2`)
  }
  const rounded = new Decimal(value).toDecimalPlaces(places, Decimal.ROUND_HALF_UP)
  return (rounded.isZero() ? new Decimal(0) : rounded).toFixed(places)
}
