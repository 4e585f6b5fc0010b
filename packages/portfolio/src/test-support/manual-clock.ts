import type { Clock } from '@crypto-analyzer/core-events'

interface Timer {
  readonly id: number
  at: number
  readonly every: number | undefined
  readonly callback: () => void
}

/** A clock that moves only when told to; timers run in time order during `advance`. */
export class ManualClock implements Clock {
  private timers: Timer[] = []
  private nextId = 1

  constructor(private current = 1_750_000_000_000) {}

  now(): number {
    return this.current
  }

  setTimeout(callback: () => void, ms: number): number {
    return this.add(callback, ms, undefined)
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle)
  }

  setInterval(callback: () => void, ms: number): number {
    return this.add(callback, ms, Math.max(1, ms))
  }

  clearInterval(handle: unknown): void {
    this.clearTimeout(handle)
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.timers.length
  }

  advance(ms: number): void {
    const end = this.current + ms
    for (;;) {
      const due = this.timers
        .filter((timer) => timer.at <= end)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (due === undefined) break
      this.current = Math.max(this.current, due.at)
      if (due.every === undefined) this.clearTimeout(due.id)
      else due.at += due.every
      due.callback()
    }
    this.current = end
  }

  private add(callback: () => void, ms: number, every: number | undefined): number {
    const id = this.nextId++
    this.timers.push({ id, at: this.current + Math.max(0, ms), every, callback })
    return id
  }
}
