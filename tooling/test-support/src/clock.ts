import { systemClock } from '@crypto-analyzer/core-events'
import type { Clock, TimerHandle } from '@crypto-analyzer/core-events'

interface ManualTimer {
  due: number
  readonly every: number | undefined
  readonly callback: () => void
}

/**
 * A clock that only moves when told to. Timers fire in due order inside `advance`, ties in the
 * order they were set, and so do timers set by a callback while time moves. Real sockets and
 * promises still run on real time around it.
 */
export class ManualClock implements Clock {
  private current: number
  private nextId = 1
  private readonly timers = new Map<number, ManualTimer>()

  constructor(start = 1_700_000_000_000) {
    this.current = start
  }

  /** Timers still scheduled (one-shot and interval). */
  get pending(): number {
    return this.timers.size
  }

  now(): number {
    return this.current
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.add(callback, Math.max(0, ms), undefined)
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number)
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    const every = Math.max(1, ms)
    return this.add(callback, every, every)
  }

  clearInterval(handle: TimerHandle): void {
    this.timers.delete(handle as number)
  }

  /** Delays of the pending one-shot timers from now, soonest first. */
  pendingDelays(): number[] {
    return [...this.timers.values()]
      .filter((timer) => timer.every === undefined)
      .map((timer) => timer.due - this.current)
      .sort((a, b) => a - b)
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.current + ms
    for (;;) {
      let nextId: number | undefined
      let next: ManualTimer | undefined
      for (const [id, timer] of this.timers) {
        if (timer.due <= end && (next === undefined || timer.due < next.due)) {
          next = timer
          nextId = id
        }
      }
      if (next === undefined || nextId === undefined) break
      this.current = Math.max(this.current, next.due)
      if (next.every === undefined) this.timers.delete(nextId)
      else next.due += next.every
      next.callback()
    }
    this.current = end
  }

  private add(callback: () => void, delay: number, every: number | undefined): number {
    const id = this.nextId++
    this.timers.set(id, { due: this.current + delay, every, callback })
    return id
  }
}

/** The system clock, counting its timers that are still pending (to assert nothing is left). */
export function createTrackingClock(): { readonly clock: Clock; readonly pending: () => number } {
  const live = new Set<TimerHandle>()
  const clock: Clock = {
    now: () => systemClock.now(),
    setTimeout(callback, ms) {
      const handle = systemClock.setTimeout(() => {
        live.delete(handle)
        callback()
      }, ms)
      live.add(handle)
      return handle
    },
    clearTimeout(handle) {
      live.delete(handle)
      systemClock.clearTimeout(handle)
    },
    setInterval(callback, ms) {
      const handle = systemClock.setInterval(callback, ms)
      live.add(handle)
      return handle
    },
    clearInterval(handle) {
      live.delete(handle)
      systemClock.clearInterval(handle)
    },
  }
  return { clock, pending: () => live.size }
}
