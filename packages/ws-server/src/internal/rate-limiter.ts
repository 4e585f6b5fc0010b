/** What to do with one client message under the rate rule. */
export type RateVerdict = 'ok' | 'warn' | 'drop' | 'close'

/**
 * The contract's rule as an exact sliding window: a message is over the limit when `limit`
 * messages came before it within `window` ms. The first message over the limit gets a
 * `rate_limited` error (`warn`), the next ones are dropped, and a client still over the limit
 * `grace` ms after the warning is closed. A client that stays under the limit for a whole window
 * is forgiven.
 */
export class RateLimiter {
  /** Arrival times of the last `limit` messages, as a ring. */
  private readonly times: number[]
  private next = 0
  private warnedAt: number | undefined
  private lastOverAt = 0

  constructor(
    private readonly limit: number,
    private readonly window: number,
    private readonly grace: number,
  ) {
    this.times = []
  }

  hit(now: number): RateVerdict {
    const oldest = this.times.length < this.limit ? undefined : this.times[this.next]
    if (this.times.length < this.limit) this.times.push(now)
    else this.times[this.next] = now
    this.next = (this.next + 1) % this.limit
    const over = oldest !== undefined && now - oldest < this.window
    if (!over) {
      if (this.warnedAt !== undefined && now - this.lastOverAt >= this.window) {
        this.warnedAt = undefined
      }
      return 'ok'
    }
    this.lastOverAt = now
    if (this.warnedAt === undefined) {
      this.warnedAt = now
      return 'warn'
    }
    return now - this.warnedAt >= this.grace ? 'close' : 'drop'
  }
}
