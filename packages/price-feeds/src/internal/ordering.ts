/**
 * The rules that keep prices in order, each checked in one place:
 *
 * 1. {@link isFarFuture}, where a frame enters (the exchange driver): an event time more than a
 *    day after receipt is a broken frame, dropped and counted like any malformed one.
 * 2. {@link isBehind}, per provider and symbol (router `offer`): an update older than the last one
 *    accepted from that provider, or a replay of it, is discarded (`outOfOrder`).
 * 3. {@link goesBack}, per symbol on the way out (router `deliver`): whichever provider serves a
 *    symbol, its event time never goes back (`outOfOrder` of the provider whose update it was).
 */

/**
 * Why rule 1 exists: accepted, a far-future time would make every later update of the symbol
 * look older than it (rules 2 and 3) and be discarded; one frame with `"E":9007199254740991` used
 * to silence a symbol on that provider until the process restarted.
 */
export const MAX_FUTURE_EVENT_TIME = 86_400_000

export const isFarFuture = (timestamp: number, receivedAt: number): boolean =>
  timestamp > receivedAt + MAX_FUTURE_EVENT_TIME

/** The order mark of the last update accepted from a provider for a symbol. */
export interface OrderMark {
  readonly timestamp: number
  /** The venue's sequence (Coinbase), on the current connection only; undefined otherwise. */
  readonly sequence: number | undefined
}

/**
 * Rule 2. Why: a standby provider's latest update is what a failover sends first, so it must be
 * that provider's newest; and venues replay (Coinbase sends the last trade again on subscribe).
 * At the same event time a sequence not above the last one is a replay. A newer event time is
 * never behind, whatever its sequence: a lower sequence then means the last one was the broken
 * one (one frame with `"sequence":9007199254740991` would otherwise silence the product).
 */
export function isBehind(
  last: OrderMark | undefined,
  timestamp: number,
  sequence?: number,
): boolean {
  if (last === undefined || timestamp > last.timestamp) return false
  if (timestamp < last.timestamp) return true
  return sequence !== undefined && last.sequence !== undefined && sequence <= last.sequence
}

/**
 * Rule 3. Why: after a failover the new provider's clock may be behind the old one's (exchanges'
 * clocks differ), and a client must never see a symbol's time go back; its updates flow again
 * once its time catches up.
 */
export const goesBack = (lastEmitted: number | undefined, timestamp: number): boolean =>
  lastEmitted !== undefined && timestamp < lastEmitted
