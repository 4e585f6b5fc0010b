/** An opaque timer handle returned by a {@link Clock}. */
export type TimerHandle = unknown

/**
 * Time as every time-based component sees it. Pass a fake one in tests; the default reads the
 * global timers at call time, so Vitest's fake timers work with it too.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  setTimeout(callback: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
  setInterval(callback: () => void, ms: number): TimerHandle
  clearInterval(handle: TimerHandle): void
}

/** The real clock: `Date.now()` and the global timers, looked up on every call. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout)
  },
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => {
    clearInterval(handle as NodeJS.Timeout)
  },
}
