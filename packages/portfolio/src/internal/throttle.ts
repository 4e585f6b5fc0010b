import type { Clock, TimerHandle } from '@crypto-analyzer/core-events'

/**
 * Leading + trailing throttle: the first request runs `emit` at once; requests within `interval`
 * of the last run are merged into one run at the end of the window, so the last state is always
 * delivered and `emit` runs at most once per `interval`. `interval` 0 runs every request.
 */
export class Throttle {
  private lastRunAt = -Infinity
  private timer: { readonly handle: TimerHandle } | undefined
  private pending = false
  private running = false

  constructor(
    private readonly clock: Clock,
    private readonly interval: number,
    private readonly emit: () => void,
  ) {}

  request(): void {
    this.pending = true
    if (this.timer !== undefined || this.running) return
    const wait = this.lastRunAt + this.interval - this.clock.now()
    if (this.interval === 0 || wait <= 0) {
      this.run()
      return
    }
    this.timer = {
      handle: this.clock.setTimeout(() => {
        this.timer = undefined
        if (this.pending) this.run()
      }, wait),
    }
  }

  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer.handle)
    this.timer = undefined
    this.pending = false
  }

  private run(): void {
    this.running = true
    try {
      // A request made while emitting (a handler changing holdings) is merged into the next run.
      do {
        this.pending = false
        this.lastRunAt = this.clock.now()
        this.emit()
      } while (this.isPending() && this.interval === 0)
    } finally {
      this.running = false
    }
    if (this.isPending()) this.request()
  }

  // A method, so the compiler does not assume `emit()` left `pending` unchanged.
  private isPending(): boolean {
    return this.pending
  }
}
