import type { Clock, TimerHandle } from '@crypto-analyzer/core-events'

interface Timer {
  at: number
  readonly every: number | undefined
  readonly callback: () => void
}

export interface ManualClock extends Clock {
  /** Moves time forward, running due timers in order. */
  advance(ms: number): void
  readonly pending: number
}

/** A clock that moves only when told to; real sockets still work around it. */
export function createManualClock(start = Date.parse('2025-07-03T10:00:00.000Z')): ManualClock {
  let now = start
  let nextId = 0
  const timers = new Map<number, Timer>()
  const add = (callback: () => void, ms: number, every: number | undefined): TimerHandle => {
    nextId++
    timers.set(nextId, { at: now + Math.max(0, ms), every, callback })
    return nextId
  }
  const remove = (handle: TimerHandle): void => {
    timers.delete(handle as number)
  }
  return {
    now: () => now,
    setTimeout: (callback, ms) => add(callback, ms, undefined),
    setInterval: (callback, ms) => add(callback, ms, Math.max(1, ms)),
    clearTimeout: remove,
    clearInterval: remove,
    get pending() {
      return timers.size
    },
    advance(ms) {
      const end = now + ms
      for (;;) {
        let dueId: number | undefined
        let due: Timer | undefined
        for (const [id, timer] of timers) {
          if (timer.at <= end && (due === undefined || timer.at < due.at)) {
            dueId = id
            due = timer
          }
        }
        if (due === undefined || dueId === undefined) break
        now = Math.max(now, due.at)
        if (due.every === undefined) timers.delete(dueId)
        else due.at += due.every
        due.callback()
      }
      now = end
    },
  }
}
