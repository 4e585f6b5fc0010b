import { describe, expect, it } from 'vitest'
import { ManualClock, createTrackingClock, waitFor, waitForValue } from './index.js'

describe('ManualClock', () => {
  it('fires timers in due order, ties in the order they were set, when time advances', () => {
    const clock = new ManualClock(1000)
    const fired: string[] = []
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20)
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10)
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20)
    clock.advance(15)
    expect(fired).toEqual(['a@1010'])
    expect(clock.now()).toBe(1015)
    clock.advance(5)
    expect(fired).toEqual(['a@1010', 'b@1020', 'c@1020'])
    expect(clock.pending).toBe(0)
  })

  it('repeats intervals and fires timers set by a callback within the same advance', () => {
    const clock = new ManualClock(0)
    const fired: number[] = []
    const interval = clock.setInterval(() => {
      fired.push(clock.now())
      if (clock.now() === 20) clock.setTimeout(() => fired.push(-clock.now()), 5)
    }, 10)
    clock.advance(35)
    expect(fired).toEqual([10, 20, -25, 30])
    clock.clearInterval(interval)
    clock.advance(100)
    expect(fired).toHaveLength(4)
  })

  it('lists the pending one-shot delays and forgets cleared timers', () => {
    const clock = new ManualClock(0)
    const late = clock.setTimeout(() => undefined, 300)
    clock.setTimeout(() => undefined, 100)
    clock.setInterval(() => undefined, 50)
    expect(clock.pendingDelays()).toEqual([100, 300])
    clock.clearTimeout(late)
    expect(clock.pendingDelays()).toEqual([100])
    expect(clock.pending).toBe(2)
  })
})

describe('createTrackingClock', () => {
  it('counts pending timers until they fire or are cleared', async () => {
    const { clock, pending } = createTrackingClock()
    let fired = false
    clock.setTimeout(() => {
      fired = true
    }, 1)
    const interval = clock.setInterval(() => undefined, 1000)
    expect(pending()).toBe(2)
    await waitFor(() => fired, 'the timeout')
    expect(pending()).toBe(1)
    clock.clearInterval(interval)
    expect(pending()).toBe(0)
  })
})

describe('waitFor', () => {
  it('names what it waited for when the time runs out', async () => {
    await expect(waitFor(() => false, 'the impossible', 30)).rejects.toThrow(
      /timed out after 30 ms waiting for the impossible/,
    )
  })

  it('describes the state it ended in when `what` is a function', async () => {
    let calls = 0
    await expect(
      waitFor(
        () => false,
        () => `state after ${++calls} call`,
        20,
      ),
    ).rejects.toThrow(/waiting for state after 1 call$/)
  })

  it('returns the first value the probe gives', async () => {
    let calls = 0
    const value = await waitForValue(() => (++calls >= 3 ? calls : undefined), 'three calls')
    expect(value).toBe(3)
  })
})
