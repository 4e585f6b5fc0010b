import type { Clock, Logger } from '@crypto-analyzer/core-events'
import type { ClusterCounters } from './counters.js'
import type { ClusterKeys } from './keys.js'
import type { Script } from './redis.js'

/** The Redis side of the lease: the ACQUIRE, RENEW and RELEASE scripts. */
export interface LeaseStore {
  /** Takes the lease when free (or already ours): the new fencing epoch, 0 when another holds it. */
  acquire(): Promise<number>
  /** Extends the lease while both it and the epoch are still ours; false when they are not. */
  renew(epoch: string): Promise<boolean>
  /** Gives the lease up and bumps the epoch, which fences any late write of ours. */
  release(): Promise<void>
}

export interface LeaseOptions {
  readonly nodeId: string
  readonly leaseMs: number
  readonly renewInterval: number
  readonly clock: Clock
  readonly logger: Logger
  readonly store: LeaseStore
  readonly counters: ClusterCounters
  /** While leader: is the feed delivering? */
  readonly healthy: () => boolean
  /** Called one at a time, in order, when this node becomes leader (true) or stops (false). */
  readonly onLeadership: (leader: boolean) => Promise<void>
  /** After every renewal while leading. */
  readonly renewed: () => Promise<void>
}

/**
 * Leader election with a lease and a fencing epoch, one {@link round} per renew interval:
 *
 * - A node takes the lease when it is free; the epoch that taking bumps is the token every write
 *   of its term carries, and Redis refuses a write with an older one (a deposed leader's).
 * - A leader renews every round; a refused renewal (the lease or the epoch is no longer ours)
 *   ends its term.
 * - A leader whose feed is not delivering gives the lease up at once and sits out two leases, so
 *   another node takes over.
 * - A leader whose rounds fail (Redis unreachable) steps down once `leaseMs - renewInterval` has
 *   passed since its last renewal: before its lease can run out, so two nodes never ingest at
 *   once for long.
 */
export class Lease {
  private epoch: string | undefined
  private lastRenewOk = 0
  private sitOutUntil = 0
  private closed = false
  private change: Promise<void> = Promise.resolve()

  constructor(private readonly options: LeaseOptions) {}

  /** The fencing epoch while this node leads. */
  get token(): string | undefined {
    return this.epoch
  }

  get leader(): boolean {
    return this.epoch !== undefined
  }

  /** Renews (or steps down) while leading, else tries to take the lease: true when it took it. */
  async round(): Promise<boolean> {
    const { clock, nodeId, leaseMs, logger, store } = this.options
    const epoch = this.epoch
    if (epoch !== undefined) {
      if (!this.options.healthy()) {
        logger.warn({ nodeId }, 'cluster: this leader has no fresh feed data; stepping down')
        this.sitOutUntil = clock.now() + leaseMs * 2
        await this.stepDown('feed stale', true)
        return false
      }
      if (await store.renew(epoch)) {
        this.lastRenewOk = clock.now()
        await this.options.renewed()
      } else {
        await this.stepDown('lost the lease')
      }
      return false
    }
    if (clock.now() < this.sitOutUntil) return false
    const acquired = await store.acquire()
    if (!(acquired > 0) || this.closed) return false
    this.epoch = String(acquired)
    this.lastRenewOk = clock.now()
    this.options.counters.leaderTerms++
    logger.info({ nodeId, epoch: acquired }, 'cluster: this node is now the leader')
    await this.changeLeadership(true)
    return true
  }

  /** A round failed: a leader steps down before its lease can run out unrenewed. */
  async failed(): Promise<void> {
    const { clock, leaseMs, renewInterval } = this.options
    if (this.leader && clock.now() - this.lastRenewOk > leaseMs - renewInterval) {
      await this.stepDown('redis unreachable')
    }
  }

  /** Ends this node's term; with `release` the lease is freed at once for another node. */
  stepDown(reason: string, release = false): Promise<void> {
    if (this.epoch === undefined) return this.change
    this.epoch = undefined
    this.options.logger.info({ nodeId: this.options.nodeId, reason }, 'cluster: no longer leader')
    if (release) this.options.store.release().catch(() => undefined)
    return this.changeLeadership(false)
  }

  /** Takes the lease no more and ends a term; true when this node was leading. */
  async close(): Promise<boolean> {
    this.closed = true
    const wasLeader = this.leader
    await this.stepDown('shutting down')
    return wasLeader
  }

  private changeLeadership(leader: boolean): Promise<void> {
    this.change = this.change
      .then(() => this.options.onLeadership(leader))
      .catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'cluster: changing leadership failed')
      })
    return this.change
  }
}

/** The lease in Redis: `<prefix>leader` holds the node id with the lease as expiry. */
export function redisLeaseStore(
  scripts: { readonly acquire: Script; readonly renew: Script; readonly release: Script },
  keys: ClusterKeys,
  nodeId: string,
  leaseMs: number,
): LeaseStore {
  return {
    acquire: async () => Number(await scripts.acquire(2, keys.leader, keys.epoch, nodeId, leaseMs)),
    renew: async (epoch) =>
      (await scripts.renew(2, keys.leader, keys.epoch, nodeId, leaseMs, epoch)) === 1,
    release: async () => {
      await scripts.release(2, keys.leader, keys.epoch, nodeId)
    },
  }
}
