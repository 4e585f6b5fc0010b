import { systemClock } from '@crypto-analyzer/core-events'
import type { Clock, TimerHandle } from '@crypto-analyzer/core-events'

interface ManualTimer {
  due: number
  readonly callback: () => void
  readonly every: number | undefined
}

/** A clock that only moves when told to; timers fire in due order inside `advance`. */
export class ManualClock implements Clock {
  private current: number
  private nextId = 1
  private readonly timers = new Map<number, ManualTimer>()

  constructor(start = 1_700_000_000_000) {
    this.current = start
  }

  get pending(): number {
    return this.timers.size
  }

  now(): number {
    return this.current
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++
    this.timers.set(id, { due: this.current + Math.max(0, ms), callback, every: undefined })
    return id
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number)
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++
    const every = Math.max(1, ms)
    this.timers.set(id, { due: this.current + every, callback, every })
    return id
  }

  clearInterval(handle: TimerHandle): void {
    this.timers.delete(handle as number)
  }

  /** Delays of the pending one-shot timers, soonest first. */
  pendingDelays(): number[] {
    return [...this.timers.values()]
      .filter((t) => t.every === undefined)
      .map((t) => t.due - this.current)
      .sort((a, b) => a - b)
  }

  /** Moves time forward, firing every timer that falls due on the way (also ones scheduled meanwhile). */
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
}

/** The system clock, counting the timers that are still pending. */
export function createTrackingClock(): { clock: Clock; pending: () => number } {
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

/** Polls until `condition` holds; real sockets need real time, so tests wait for facts, not sleeps. */
export async function waitFor(
  condition: () => boolean,
  what = 'condition',
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
