import type { Clock, TimerHandle } from '@crypto-analyzer/core-events'

interface Timer {
  readonly id: number
  at: number
  readonly every: number | undefined
  readonly callback: () => void
}

/** A manual clock: time moves only through `advance`, timers fire in order. */
export interface ManualClock extends Clock {
  advance(ms: number): void
  readonly pendingTimers: number
}

export function createManualClock(start = 1_700_000_000_000): ManualClock {
  let now = start
  let nextId = 1
  const timers = new Map<number, Timer>()
  const add = (callback: () => void, ms: number, every: number | undefined): TimerHandle => {
    const id = nextId++
    timers.set(id, { id, at: now + Math.max(0, ms), every, callback })
    return id
  }
  const clear = (handle: TimerHandle): void => {
    timers.delete(handle as number)
  }
  return {
    now: () => now,
    setTimeout: (callback, ms) => add(callback, ms, undefined),
    setInterval: (callback, ms) => add(callback, ms, Math.max(1, ms)),
    clearTimeout: clear,
    clearInterval: clear,
    get pendingTimers() {
      return timers.size
    },
    advance(ms) {
      const end = now + ms
      for (;;) {
        let next: Timer | undefined
        for (const timer of timers.values()) {
          if (timer.at <= end && (next === undefined || timer.at < next.at)) next = timer
        }
        if (next === undefined) break
        now = next.at
        if (next.every === undefined) timers.delete(next.id)
        else next.at += next.every
        next.callback()
      }
      now = end
    },
  }
}
