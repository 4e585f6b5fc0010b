import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createStreamManager } from './index.js'
import type { StreamStateChange } from './index.js'
import { backoffCeiling, computeBackoff } from './internal/backoff.js'
import { SlidingWindowLimiter } from './internal/rate-limiter.js'
import { ManualClock, waitFor } from '@crypto-analyzer/test-support'

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
  })
  return port
}

describe('computeBackoff', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeiling(n, 1000, 60_000))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
    ])
    expect(backoffCeiling(5000, 1000, 60_000)).toBe(60_000)
  })

  it('draws full jitter in [0, ceiling) for every random value', () => {
    for (const r of [0, 1e-9, 0.25, 0.5, 0.999_999, 1, -1, Number.NaN]) {
      for (let attempt = 1; attempt <= 12; attempt++) {
        const ceiling = backoffCeiling(attempt, 1000, 60_000)
        const delay = computeBackoff(attempt, 1000, 60_000, () => r)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThan(ceiling)
        expect(Number.isInteger(delay)).toBe(true)
      }
    }
    expect(computeBackoff(3, 1000, 60_000, () => 0.5)).toBe(2000)
    expect(computeBackoff(10, 1000, 60_000, () => 0.5)).toBe(30_000)
  })
})

describe('SlidingWindowLimiter', () => {
  it('never allows more than limit takes in any window', () => {
    const limiter = new SlidingWindowLimiter(5, 1000)
    const taken: number[] = []
    for (let t = 0; t < 5000; t += 7) {
      if (limiter.tryTake(t)) taken.push(t)
    }
    for (const start of taken) {
      expect(taken.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(5)
    }
    expect(taken.length).toBe(25)
    expect(limiter.waitMs(5000)).toBeGreaterThanOrEqual(0)
  })
})

describe('StreamManager backoff on a fake clock', () => {
  it('waits the jittered, capped delays between refused attempts', async () => {
    const port = await closedPort()
    const clock = new ManualClock()
    const draws = [0.9, 0.1, 0.5, 0.99, 0.75, 0.3, 0.6]
    let i = 0
    const manager = createStreamManager({ clock, random: () => draws[i++ % draws.length] ?? 0 })
    const changes: StreamStateChange[] = []
    manager.onStateChange((c) => changes.push(c))
    manager.addStream({
      streamId: 's',
      url: `ws://127.0.0.1:${port}`,
      reconnectDelay: 1000,
      maxReconnectDelay: 8000,
      reconnectAttempts: 7,
    })
    manager.start()
    const retries: number[] = []
    for (let attempt = 1; attempt <= 7; attempt++) {
      await waitFor(
        () => changes.filter((c) => c.state === 'reconnecting').length === attempt,
        `attempt ${attempt} refused`,
      )
      const change = changes.at(-1)
      expect(change).toMatchObject({ state: 'reconnecting', attempt, reasonCode: 'connect-error' })
      const retry = change?.retryInMs ?? -1
      retries.push(retry)
      // The timer waits exactly the announced delay, on the injected clock.
      expect(clock.pendingDelays()).toEqual([retry])
      clock.advance(Math.max(0, retry - 1))
      expect(changes.at(-1)?.state).toBe('reconnecting')
      clock.advance(1)
      expect(changes.at(-1)?.state).toBe('connecting')
    }
    // ceilings 1000, 2000, 4000, 8000 (cap), 8000, 8000, 8000 times the drawn fractions
    expect(retries).toEqual([900, 200, 2000, 7920, 6000, 2400, 4800])
    await waitFor(() => changes.at(-1)?.state === 'failed', 'failed')
    expect(clock.pending).toBe(0)
    await manager.stop()
    expect(clock.pending).toBe(0)
  })

  it('retries forever when reconnectAttempts is 0', async () => {
    const port = await closedPort()
    const clock = new ManualClock()
    const manager = createStreamManager({ clock, random: () => 0.999_999 })
    const changes: StreamStateChange[] = []
    manager.onStateChange((c) => changes.push(c))
    manager.addStream({
      streamId: 's',
      url: `ws://127.0.0.1:${port}`,
      reconnectAttempts: 0,
      reconnectDelay: 10,
      maxReconnectDelay: 300,
    })
    manager.start()
    for (let attempt = 1; attempt <= 12; attempt++) {
      await waitFor(
        () => changes.filter((c) => c.state === 'reconnecting').length === attempt,
        `attempt ${attempt}`,
      )
      clock.advance(changes.at(-1)?.retryInMs ?? 0)
    }
    const delays = changes.filter((c) => c.state === 'reconnecting').map((c) => c.retryInMs)
    expect(delays).toEqual([9, 19, 39, 79, 159, 299, 299, 299, 299, 299, 299, 299])
    expect(changes.some((c) => c.state === 'failed')).toBe(false)
    await manager.stop()
    expect(clock.pending).toBe(0)
  })
})
