/**
 * At most `limit` takes in any `windowMs` window. Stricter than a token bucket (which allows
 * `capacity + rate` in one window): Binance disconnects a client whose 6th message lands within a
 * second of its 1st. The ring holds the last `limit` take times; the oldest must have left the window.
 */
export class SlidingWindowLimiter {
  private readonly times: Float64Array
  private oldest = 0

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
  ) {
    this.times = new Float64Array(limit).fill(Number.NEGATIVE_INFINITY)
  }

  /** Records a take at `now` when allowed. */
  tryTake(now: number): boolean {
    const oldestAt = this.times[this.oldest] ?? Number.NEGATIVE_INFINITY
    // A clock that stepped backwards must not stall sending until it catches up again.
    if (now - oldestAt < this.windowMs && oldestAt <= now) return false
    this.times[this.oldest] = now
    this.oldest = (this.oldest + 1) % this.limit
    return true
  }

  /** Milliseconds until `tryTake` can succeed (0 when it can now). */
  waitMs(now: number): number {
    const oldestAt = this.times[this.oldest] ?? Number.NEGATIVE_INFINITY
    if (oldestAt > now) return 0
    return Math.max(0, oldestAt + this.windowMs - now)
  }
}
