const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms)
  })

/** Waits `ms` of real time. For pacing a peer, never for waiting on a fact: use {@link waitFor}. */
export function sleep(ms: number): Promise<void> {
  return pause(ms)
}

/**
 * Polls `condition` until it is truthy (real sockets need real time: tests wait for facts, not
 * fixed sleeps). The default timeout is generous because CI cores are shared.
 */
export async function waitFor(
  condition: () => unknown,
  what: string | (() => string),
  timeout = 15_000,
): Promise<void> {
  await waitForValue(() => (condition() ? true : undefined), what, timeout)
}

/**
 * Polls `probe` until it returns a value other than `undefined`, and returns it. `what` may be a
 * function, called only on timeout (to show the state the wait ended in).
 */
export async function waitForValue<T>(
  probe: () => T | undefined,
  what: string | (() => string),
  timeout = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) {
      const described = typeof what === 'string' ? what : what()
      throw new Error(`timed out after ${timeout} ms waiting for ${described}`)
    }
    await pause(5)
  }
}

/** Polls an async `probe` (a rejection counts as "not yet") until it gives a value. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeout = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeout
  for (;;) {
    let value: T | undefined
    try {
      value = await probe()
    } catch {
      value = undefined
    }
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await pause(50)
  }
}
