import { silentLogger } from '@crypto-analyzer/core-events'
import { ManualClock, sleep, waitFor } from '@crypto-analyzer/test-support'
import { describe, expect, it } from 'vitest'
import { createCounters } from './counters.js'
import { Lease } from './lease.js'
import type { LeaseStore } from './lease.js'

const LEASE = 2000
const RENEW = 600

/** The lease in memory, as the Redis scripts keep it: a holder with an expiry, and the epoch. */
class MemoryLease implements LeaseStore {
  holder: string | undefined
  expires = 0
  epoch = 0
  reachable = true
  releases = 0

  constructor(
    private readonly clock: ManualClock,
    private readonly nodeId: string,
  ) {}

  private check(): void {
    if (!this.reachable) throw new Error('connect ECONNREFUSED')
    if (this.holder !== undefined && this.clock.now() >= this.expires) this.holder = undefined
  }

  acquire(): Promise<number> {
    this.check()
    if (this.holder !== undefined && this.holder !== this.nodeId) return Promise.resolve(0)
    this.holder = this.nodeId
    this.expires = this.clock.now() + LEASE
    return Promise.resolve(++this.epoch)
  }

  renew(epoch: string): Promise<boolean> {
    this.check()
    if (this.holder !== this.nodeId || String(this.epoch) !== epoch) return Promise.resolve(false)
    this.expires = this.clock.now() + LEASE
    return Promise.resolve(true)
  }

  release(): Promise<void> {
    this.check()
    this.releases++
    if (this.holder === this.nodeId) {
      this.holder = undefined
      this.epoch++
    }
    return Promise.resolve()
  }
}

function setup(
  options: {
    healthy?: () => boolean
    onLeadership?: (leader: boolean) => Promise<void>
  } = {},
) {
  const clock = new ManualClock(Date.parse('2025-07-03T10:00:00.000Z'))
  const store = new MemoryLease(clock, 'a')
  const changes: boolean[] = []
  let renewals = 0
  const counters = createCounters()
  const lease = new Lease({
    nodeId: 'a',
    leaseMs: LEASE,
    renewInterval: RENEW,
    clock,
    logger: silentLogger,
    store,
    counters,
    healthy: options.healthy ?? (() => true),
    onLeadership: (leader) => {
      changes.push(leader)
      return options.onLeadership?.(leader) ?? Promise.resolve()
    },
    renewed: () => {
      renewals++
      return Promise.resolve()
    },
  })
  /** One round as the node runs it: errors end in `failed()`. */
  const round = async (): Promise<boolean> => {
    try {
      return await lease.round()
    } catch {
      await lease.failed()
      return false
    }
  }
  return { clock, store, lease, changes, counters, round, renewals: () => renewals }
}

describe('Lease', () => {
  it('takes a free lease with a new epoch, then renews it every round', async () => {
    const { clock, store, lease, changes, counters, round, renewals } = setup()
    expect(await round()).toBe(true)
    expect(lease.token).toBe('1')
    expect(changes).toEqual([true])
    expect(counters.leaderTerms).toBe(1)
    for (let index = 0; index < 5; index++) {
      clock.advance(RENEW)
      expect(await round()).toBe(false)
    }
    expect(renewals()).toBe(5)
    expect(store.expires).toBe(clock.now() + LEASE)
    expect(lease.token).toBe('1')
    expect(changes).toEqual([true])
  })

  it('waits while another node holds the lease, and takes it once that lease expired', async () => {
    const { clock, store, lease, round } = setup()
    store.holder = 'b'
    store.expires = clock.now() + LEASE
    store.epoch = 7
    expect(await round()).toBe(false)
    clock.advance(LEASE - 1)
    expect(await round()).toBe(false)
    expect(lease.leader).toBe(false)
    clock.advance(1)
    expect(await round()).toBe(true)
    expect(lease.token).toBe('8')
  })

  it('ends its term without releasing when a renewal is refused (a newer epoch exists)', async () => {
    const { clock, store, lease, changes, round } = setup()
    await round()
    store.epoch++ // another node's term came and went
    clock.advance(RENEW)
    await round()
    expect(lease.leader).toBe(false)
    expect(changes).toEqual([true, false])
    expect(store.releases).toBe(0)
  })

  it('gives the lease up when its feed is stale and sits out two leases before contending again', async () => {
    let healthy = true
    const { clock, store, lease, changes, round } = setup({ healthy: () => healthy })
    await round()
    healthy = false
    clock.advance(RENEW)
    await round()
    expect(lease.leader).toBe(false)
    expect(changes).toEqual([true, false])
    expect(store.releases).toBe(1)
    expect(store.holder).toBeUndefined()
    // Free lease, but this node sits out 2 × 2000 ms from stepping down.
    healthy = true
    for (let waited = RENEW; waited < 2 * LEASE; waited += RENEW) {
      clock.advance(RENEW)
      expect(await round()).toBe(false)
    }
    clock.advance(2 * LEASE - Math.floor((2 * LEASE) / RENEW) * RENEW)
    expect(await round()).toBe(true)
    expect(lease.token).toBe('3')
  })

  it('keeps leading while Redis is away for less than lease - renew interval, then steps down', async () => {
    const { clock, store, lease, changes, round } = setup()
    await round()
    const renewedAt = clock.now()
    store.reachable = false
    clock.advance(RENEW)
    await round()
    clock.advance(LEASE - RENEW - RENEW)
    await round()
    expect(clock.now() - renewedAt).toBe(LEASE - RENEW)
    expect(lease.leader).toBe(true)
    clock.advance(1)
    await round()
    expect(lease.leader).toBe(false)
    expect(changes).toEqual([true, false])
    // Redis back: the lease it held has run out, and it is taken again with a new epoch.
    store.reachable = true
    clock.advance(RENEW)
    expect(await round()).toBe(true)
    expect(lease.token).toBe('2')
  })

  it('reports leadership changes one at a time, in order, even when a change is slow', async () => {
    const log: string[] = []
    let finishStart: () => void = () => undefined
    const { lease } = setup({
      onLeadership: async (leader) => {
        log.push(`${String(leader)} begins`)
        if (leader) {
          await new Promise<void>((resolve) => {
            finishStart = resolve
          })
        }
        log.push(`${String(leader)} ends`)
      },
    })
    const taking = lease.round()
    await waitFor(() => log.length === 1, 'the start to begin')
    const stepping = lease.stepDown('a newer leader holds the lease')
    await sleep(20)
    expect(log).toEqual(['true begins'])
    finishStart()
    await Promise.all([taking, stepping])
    expect(log).toEqual(['true begins', 'true ends', 'false begins', 'false ends'])
  })

  it('takes the lease no more once closed, and closing ends a term', async () => {
    const { clock, lease, changes, round } = setup()
    await round()
    expect(await lease.close()).toBe(true)
    expect(changes).toEqual([true, false])
    clock.advance(LEASE * 3)
    expect(await round()).toBe(false)
    expect(lease.leader).toBe(false)
  })
})
