import { CHANNEL_EVENT_TYPES } from '@crypto-analyzer/core-events'
import type {
  AnyStreamEvent,
  Clock,
  Logger,
  StreamEventBus,
  TimerHandle,
} from '@crypto-analyzer/core-events'
import type { Redis } from 'ioredis'
import type { FeedStatusSource } from '../types.js'
import type { Hub } from '../internal/hub.js'
import { roomSpecs } from '../internal/room.js'
import type { ClusterStatus } from '../internal/status.js'
import type { RoomSource } from '../server.js'
import { createCounters } from './counters.js'
import type { ClusterCounters } from './counters.js'
import { BLOCK_MS, Follower } from './follower.js'
import { clusterKeys } from './keys.js'
import { Lease, redisLeaseStore } from './lease.js'
import type { LeaseStore } from './lease.js'
import { Publisher } from './publisher.js'
import { StoredReader } from './records.js'
import { connectRedis, defineScript } from './redis.js'
import { Registry } from './registry.js'
import { ACQUIRE, DISARM_CLAIM, HEARTBEAT, LEAVE, PUBLISH, RELEASE, RENEW } from './scripts.js'

export interface ClusterNodeOptions {
  readonly redisUrl: string
  /** Every key starts with it (default `crypto-analyzer:`); services with different prefixes are separate. */
  readonly prefix: string
  readonly nodeId: string
  /** Leader lease in ms; renewed every `renewInterval`. */
  readonly leaseMs: number
  readonly renewInterval: number
  readonly symbols: readonly string[]
  readonly historySize: number
  readonly symbolHistorySize: number
  readonly alertSnapshotSize: number
  /** How long an alert firing claim is kept (it is also released when the alert re-arms). */
  readonly claimTtl: number
  readonly bus: StreamEventBus
  readonly clock: Clock
  readonly logger: Logger
  /** While leader: is the feed delivering? A leader whose feed is stale steps down. */
  readonly healthy: () => boolean
  /** This node's feed status, published for the other nodes while it leads. */
  readonly localFeeds: () => FeedStatusSource
  /** Called (serially) when this node becomes leader (true) or stops leading (false). */
  readonly onLeadership: (leader: boolean) => Promise<void>
  /** While leader, after every renewal: the alert ids that re-armed since the last call. */
  readonly rearmed?: (() => readonly string[]) | undefined
}

/**
 * One server process's membership in a service on Redis, composed of one unit per job: the
 * {@link Lease} (election and fencing), the {@link Publisher} (leader: bus → room streams), the
 * {@link Follower} (room streams → local rooms: the {@link RoomSource} of the WebSocket server)
 * and the {@link Registry} (heartbeat, live nodes, leader id, the leader's feeds). Each round,
 * every `renewInterval`, is a heartbeat then an election round.
 */
export class ClusterNode implements RoomSource {
  readonly counters: ClusterCounters = createCounters()
  /** Commands: scripts, heartbeats, publishing. */
  private readonly cmd: Redis
  /** XREAD BLOCK holds a connection of its own. */
  private readonly reader: Redis
  private readonly leaseStore: LeaseStore
  private readonly lease: Lease
  private readonly registry: Registry
  private readonly publisher: Publisher
  private readonly follower: Follower
  private readonly unsubscribe: () => void
  private timer: TimerHandle
  private ticking: Promise<void> | undefined
  private stopped = false

  constructor(readonly options: ClusterNodeOptions) {
    const { clock, logger, nodeId, prefix, redisUrl, renewInterval } = options
    const counters = this.counters
    const onError =
      (role: string) =>
      (error: Error): void => {
        counters.redisErrors++
        logger.debug({ err: error, role }, 'cluster: redis connection error')
      }
    const name = (role: string): string => `${prefix}${nodeId}:${role}`
    this.cmd = connectRedis(
      redisUrl,
      name('cmd'),
      Math.max(1000, renewInterval),
      onError('commands'),
    )
    this.reader = connectRedis(redisUrl, name('read'), BLOCK_MS + 5000, onError('reader'))
    const script = (scriptName: string, lua: string) => defineScript(this.cmd, scriptName, lua)
    const keys = clusterKeys(prefix)
    const stored = new StoredReader()
    this.leaseStore = redisLeaseStore(
      {
        acquire: script('caAcquire', ACQUIRE),
        renew: script('caRenew', RENEW),
        release: script('caRelease', RELEASE),
      },
      keys,
      nodeId,
      options.leaseMs,
    )
    this.lease = new Lease({
      ...options,
      counters,
      store: this.leaseStore,
      renewed: () => this.publisher.disarmClaims(),
    })
    this.registry = new Registry({
      ...options,
      keys,
      counters,
      scripts: { heartbeat: script('caHeartbeat', HEARTBEAT), leave: script('caLeave', LEAVE) },
      leading: () => this.lease.leader,
    })
    this.publisher = new Publisher({
      ...options,
      keys,
      counters,
      rooms: roomSpecs(options),
      lease: this.lease,
      scripts: { publish: script('caPublish', PUBLISH), disarm: script('caDisarm', DISARM_CLAIM) },
      encoded: (type, data) => {
        stored.trust(type, data)
      },
    })
    this.follower = new Follower({ reader: this.reader, keys, clock, logger, counters, stored })
    this.unsubscribe = options.bus.subscribe(
      `cluster-publisher-${nodeId}`,
      (event: AnyStreamEvent) => {
        this.publisher.publish(event)
      },
      { eventTypes: CHANNEL_EVENT_TYPES },
    )
  }

  get leader(): boolean {
    return this.lease.leader
  }

  /** Redis answers on both connections and the last heartbeat is recent. */
  get reachable(): boolean {
    return this.cmd.status === 'ready' && this.reader.status === 'ready' && this.registry.fresh
  }

  /** Feed health for `/status` and `/health`: this node's own while it leads, else the leader's. */
  feeds(): FeedStatusSource {
    return {
      getStatus: () =>
        this.leader
          ? this.options.localFeeds().getStatus()
          : { providers: this.registry.remoteFeeds },
    }
  }

  /** See {@link Follower.bootstrapped}. */
  bootstrapped(timeout: number): Promise<void> {
    return this.follower.bootstrapped(timeout)
  }

  attach(hub: Hub): () => void {
    return this.follower.attach(hub)
  }

  status(): ClusterStatus {
    const c = this.counters
    const reachable = this.reachable
    const leaderId = this.registry.leaderId
    return {
      reachable,
      document: {
        node_id: this.options.nodeId,
        leader: this.leader,
        leader_id: leaderId === '' ? null : leaderId,
        nodes: [...this.registry.nodes],
        redis: reachable ? 'connected' : this.cmd.status === 'end' ? 'closed' : 'reconnecting',
        prefix: this.options.prefix,
        published: c.published,
        received: c.received,
        publish_errors: c.publishErrors,
        fenced: c.fenced,
        duplicate_alerts_suppressed: c.duplicateAlerts,
        leader_terms: c.leaderTerms,
        invalid_entries: c.invalidEntries,
      },
    }
  }

  /** Joins the service: heartbeats, and contends for the lease. */
  start(): void {
    if (this.timer !== undefined || this.stopped) return
    const loop = (): void => {
      this.ticking = this.round().finally(() => {
        this.ticking = undefined
        if (!this.stopped) {
          this.timer = this.options.clock.setTimeout(loop, this.options.renewInterval)
        }
      })
    }
    loop()
  }

  private async round(): Promise<void> {
    try {
      await this.registry.heartbeat()
      if (await this.lease.round()) this.registry.leads()
    } catch (error) {
      this.counters.redisErrors++
      this.options.logger.debug({ err: error }, 'cluster: election round failed')
      await this.lease.failed()
    }
  }

  /** Leaves the service: gives the lease up (another node takes over at once), closes Redis. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.unsubscribe()
    await this.ticking
    const wasLeader = await this.lease.close()
    if (this.cmd.status === 'ready') {
      await Promise.allSettled([
        wasLeader ? this.leaseStore.release() : Promise.resolve(),
        this.registry.leave(),
      ])
    }
    await this.follower.stop()
    await this.cmd.quit().catch(() => {
      this.cmd.disconnect()
    })
  }
}
