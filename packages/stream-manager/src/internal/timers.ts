import type { Clock, TimerHandle } from '@crypto-analyzer/core-events'

/** Named one-shot timers and intervals on an injectable clock; at most one per name. */
export class TimerSet<Name extends string> {
  private readonly timeouts = new Map<Name, TimerHandle>()
  private readonly intervals = new Map<Name, TimerHandle>()

  constructor(private readonly clock: Clock) {}

  has(name: Name): boolean {
    return this.timeouts.has(name) || this.intervals.has(name)
  }

  /** Replaces a pending timer of the same name. */
  timeout(name: Name, ms: number, callback: () => void): void {
    this.clear(name)
    const handle = this.clock.setTimeout(() => {
      this.timeouts.delete(name)
      callback()
    }, ms)
    this.timeouts.set(name, handle)
  }

  interval(name: Name, ms: number, callback: () => void): void {
    this.clear(name)
    this.intervals.set(name, this.clock.setInterval(callback, ms))
  }

  clear(name: Name): void {
    if (this.timeouts.has(name)) {
      this.clock.clearTimeout(this.timeouts.get(name))
      this.timeouts.delete(name)
    }
    if (this.intervals.has(name)) {
      this.clock.clearInterval(this.intervals.get(name))
      this.intervals.delete(name)
    }
  }

  clearAll(): void {
    for (const name of [...this.timeouts.keys(), ...this.intervals.keys()]) this.clear(name)
  }
}
