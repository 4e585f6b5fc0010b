import {
  EventType,
  encodeAlertTriggered,
  encodeFeedStatus,
  encodePortfolioUpdate,
  encodePriceData,
  encodePriceUpdate,
} from '@crypto-analyzer/core-events'
import type {
  AnyStreamEvent,
  Clock,
  Logger,
  StreamEventBus,
  TimerHandle,
} from '@crypto-analyzer/core-events'
import { Redis } from 'ioredis'
import type { FeedStatusSource, ProviderStatusLike } from '../types.js'
import {
  KIND_ALERT,
  KIND_FEED_STATUS,
  KIND_PORTFOLIO,
  KIND_PRICE,
  makeEntry,
} from '../internal/frame.js'
import type { Entry, Kind } from '../internal/frame.js'
import type { Hub } from '../internal/hub.js'
import type { ClusterStatus } from '../internal/status.js'
import type { RoomSource } from '../server.js'
import { ACQUIRE, DISARM_CLAIM, HEARTBEAT, LEAVE, PUBLISH, RELEASE, RENEW } from './scripts.js'

type Script = (...args: (string | number)[]) => Promise<unknown>

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

/** Counters of one node's work with Redis (in `/status` `cluster`). */
export interface ClusterCounters {
  published: number
  publishErrors: number
  fenced: number
  duplicateAlerts: number
  received: number
  leaderTerms: number
  redisErrors: number
}

interface RoomSpec {
  readonly name: string
  readonly key: string
  readonly kind: Kind
  /** > 0: alerts, keyed by seq, latest kept in `mod` slots. */
  readonly mod: number
  readonly maxlen: number
}

const ROOM_EVENTS = [
  EventType.PRICE_UPDATE,
  EventType.PORTFOLIO_UPDATE,
  EventType.ALERT_TRIGGERED,
  EventType.FEED_STATUS,
]

const BLOCK_MS = 1000

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref()
  })

const split = (text: string): [string, string] => {
  const index = text.lastIndexOf(',"timestamp":"')
  return [text.slice(0, index), text.slice(index)]
}

/** Reads an entry stored as `seq|kind|key|text` (a latest-state hash value). */
const parseLatest = (value: string): Entry | undefined => {
  const first = value.indexOf('|')
  const second = value.indexOf('|', first + 1)
  const third = value.indexOf('|', second + 1)
  if (first < 0 || second < 0 || third < 0) return undefined
  const seq = Number(value.slice(0, first))
  const kind = Number(value.slice(first + 1, second)) as Kind
  return makeEntry(seq, value.slice(third + 1), value.slice(second + 1, third), kind)
}

/** Reads a stream entry's fields `s k t m`. */
const parseFields = (fields: readonly string[]): Entry | undefined => {
  const map = new Map<string, string>()
  for (let index = 0; index + 1 < fields.length; index += 2) {
    map.set(fields[index] as string, fields[index + 1] as string)
  }
  const seq = Number(map.get('s'))
  const text = map.get('m')
  if (!Number.isSafeInteger(seq) || text === undefined) return undefined
  return makeEntry(seq, text, map.get('k') ?? '', Number(map.get('t') ?? 0) as Kind)
}

/**
 * One server process's membership in a service on Redis: leader election with a lease and a
 * fencing epoch, publishing the leader's events to one Redis Stream per room with the
 * service-wide seq, reading every room stream into the local rooms (the {@link RoomSource} of
 * the WebSocket server), a node registry, and the leader's feed status for the other nodes.
 */
export class ClusterNode implements RoomSource {
  readonly counters: ClusterCounters = {
    published: 0,
    publishErrors: 0,
    fenced: 0,
    duplicateAlerts: 0,
    received: 0,
    leaderTerms: 0,
    redisErrors: 0,
  }
  /** The fencing epoch while this node leads. */
  private token: string | undefined
  private leaderId = ''
  private nodes: string[] = []
  private remoteFeeds: ProviderStatusLike[] = []
  private lastHeartbeatOk: number | undefined
  private lastRenewOk = 0
  private sitOutUntil = 0
  private readonly cmd: Redis
  private readonly reader: Redis
  private readonly scripts: Record<
    'acquire' | 'renew' | 'release' | 'heartbeat' | 'leave' | 'publish' | 'disarm',
    Script
  >
  private timer: TimerHandle
  private ticking: Promise<void> | undefined
  private stopped = false
  private readStopped = false
  private reading: Promise<void> | undefined
  private markLoaded: () => void = () => undefined
  private readonly loaded = new Promise<void>((resolve) => {
    this.markLoaded = resolve
  })
  private leadershipChange: Promise<void> = Promise.resolve()
  private readonly unsubscribe: () => void
  private readonly claims = new Set<string>()

  constructor(readonly options: ClusterNodeOptions) {
    const connection = {
      // Fail fast while Redis is away (the caller counts and goes on); reconnect with backoff.
      enableOfflineQueue: false,
      // A command in flight when the connection drops fails (never waits for a reconnect).
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) =>
        Math.min(100 * 2 ** Math.min(times, 5), 2000) + Math.floor(Math.random() * 100),
    }
    const name = (role: string): string =>
      `${options.prefix}${options.nodeId}:${role}`.replace(/[^\w:.-]/g, '_')
    this.cmd = new Redis(options.redisUrl, {
      ...connection,
      connectionName: name('cmd'),
      commandTimeout: Math.max(1000, options.renewInterval),
    })
    this.reader = new Redis(options.redisUrl, {
      ...connection,
      connectionName: name('read'),
      commandTimeout: BLOCK_MS + 5000,
    })
    for (const [role, client] of [
      ['commands', this.cmd],
      ['reader', this.reader],
    ] as const) {
      client.on('error', (error: Error) => {
        this.counters.redisErrors++
        options.logger.debug({ err: error, role }, 'cluster: redis connection error')
      })
    }
    const define = (name: string, lua: string): Script => {
      this.cmd.defineCommand(name, { lua })
      const fn = (this.cmd as unknown as Record<string, Script>)[name] as Script
      return fn.bind(this.cmd)
    }
    this.scripts = {
      acquire: define('caAcquire', ACQUIRE),
      renew: define('caRenew', RENEW),
      release: define('caRelease', RELEASE),
      heartbeat: define('caHeartbeat', HEARTBEAT),
      leave: define('caLeave', LEAVE),
      publish: define('caPublish', PUBLISH),
      disarm: define('caDisarm', DISARM_CLAIM),
    }
    this.unsubscribe = options.bus.subscribe(
      `cluster-publisher-${options.nodeId}`,
      (event: AnyStreamEvent) => {
        this.publish(event)
      },
      { eventTypes: ROOM_EVENTS },
    )
  }

  private key(name: string): string {
    return `${this.options.prefix}${name}`
  }

  private roomKeys(room: string): [string, string, string] {
    const base = this.key(`room:${room}:`)
    return [`${base}seq`, `${base}stream`, `${base}latest`]
  }

  get leader(): boolean {
    return this.token !== undefined
  }

  /** Redis answers on both connections and the last heartbeat is recent. */
  get reachable(): boolean {
    const { clock, renewInterval } = this.options
    return (
      this.cmd.status === 'ready' &&
      this.reader.status === 'ready' &&
      this.lastHeartbeatOk !== undefined &&
      clock.now() - this.lastHeartbeatOk <= renewInterval * 3 + 1000
    )
  }

  /** Feed health for `/status` and `/health`: this node's own while it leads, else the leader's. */
  feeds(): FeedStatusSource {
    return {
      getStatus: () =>
        this.leader ? this.options.localFeeds().getStatus() : { providers: this.remoteFeeds },
    }
  }

  // ------------------------------------------------------------------------------------------
  // RoomSource: Redis streams → local rooms

  /**
   * Resolves once the rooms hold Redis's history and latest state (or after `timeout` ms, e.g.
   * while Redis is down), so a client joining this node never sees a room before it is loaded.
   */
  bootstrapped(timeout: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeout)
      void this.loaded.then(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  attach(hub: Hub): () => void {
    this.reading ??= this.read(hub)
    return () => {
      this.readStopped = true
    }
  }

  status(): ClusterStatus {
    const c = this.counters
    return {
      reachable: this.reachable,
      document: {
        node_id: this.options.nodeId,
        leader: this.leader,
        leader_id: this.leaderId === '' ? null : this.leaderId,
        nodes: [...this.nodes],
        redis: this.reachable ? 'connected' : this.cmd.status === 'end' ? 'closed' : 'reconnecting',
        prefix: this.options.prefix,
        published: c.published,
        received: c.received,
        publish_errors: c.publishErrors,
        fenced: c.fenced,
        duplicate_alerts_suppressed: c.duplicateAlerts,
        leader_terms: c.leaderTerms,
      },
    }
  }

  private roomNames(): string[] {
    return [
      'prices',
      'portfolio',
      'alerts',
      'status',
      ...this.options.symbols.map((symbol) => `prices:${symbol}`),
    ]
  }

  private halted(): boolean {
    return this.stopped || this.readStopped
  }

  /** Loads history and latest state of every room at once, then follows the streams. */
  private async read(hub: Hub): Promise<void> {
    const names = this.roomNames()
    const lastIds = new Map<string, string>()
    const { logger } = this.options
    let failures = 0
    while (!this.halted()) {
      try {
        if (lastIds.size === 0) {
          await this.bootstrap(hub, names, lastIds)
          this.markLoaded()
        }
        const streams = names.map((name) => this.roomKeys(name)[1])
        const reply = await this.reader.xread(
          'COUNT',
          1000,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...streams,
          ...streams.map((stream) => lastIds.get(stream) ?? '0-0'),
        )
        failures = 0
        if (reply === null) continue
        for (const [stream, entries] of reply) {
          const name = names[streams.indexOf(stream)]
          const room = name === undefined ? undefined : hub.room(name)
          for (const [id, fields] of entries) {
            lastIds.set(stream, id)
            const entry = parseFields(fields)
            if (room === undefined || entry === undefined) continue
            this.counters.received++
            room.publish(entry)
            if (entry.kind === KIND_PRICE) hub.lastPriceAt = this.options.clock.now()
          }
        }
      } catch (error) {
        if (this.halted()) break
        failures++
        this.counters.redisErrors++
        logger.debug({ err: error }, 'cluster: reading the room streams failed; retrying')
        await sleep(Math.min(100 * 2 ** Math.min(failures, 5), 2000))
      }
    }
  }

  private async bootstrap(
    hub: Hub,
    names: readonly string[],
    lastIds: Map<string, string>,
  ): Promise<void> {
    const multi = this.reader.multi()
    for (const name of names) {
      const [, stream, latest] = this.roomKeys(name)
      const size = name.startsWith('prices:')
        ? this.options.symbolHistorySize
        : this.options.historySize
      multi.xrevrange(stream, '+', '-', 'COUNT', Math.max(1, size))
      multi.hgetall(latest)
    }
    const results = (await multi.exec()) ?? []
    names.forEach((name, index) => {
      const [, stream] = this.roomKeys(name)
      const range = (results[index * 2]?.[1] ?? []) as [string, string[]][]
      const latest = (results[index * 2 + 1]?.[1] ?? {}) as Record<string, string>
      const history = range
        .map(([, fields]) => parseFields(fields))
        .filter((entry): entry is Entry => entry !== undefined)
        .reverse()
      const state = Object.values(latest)
        .map(parseLatest)
        .filter((entry): entry is Entry => entry !== undefined)
        .sort((a, b) => a.seq - b.seq)
      hub.room(name)?.restore(history, state)
      lastIds.set(stream, range[0]?.[0] ?? '0-0')
    })
  }

  // ------------------------------------------------------------------------------------------
  // Leader: local bus events → Redis

  private publish(event: AnyStreamEvent): void {
    const token = this.token
    if (token === undefined) return
    const { clock, symbols, historySize, symbolHistorySize, alertSnapshotSize } = this.options
    const sentAt = clock.now()
    let text: string
    const rooms: RoomSpec[] = []
    let claim: string | undefined
    try {
      switch (event.type) {
        case EventType.PRICE_UPDATE: {
          const update = event.data
          text = encodePriceUpdate(update, { sentAt }, encodePriceData(update))
          rooms.push({
            name: 'prices',
            key: update.symbol,
            kind: KIND_PRICE,
            mod: 0,
            maxlen: historySize,
          })
          if (symbols.includes(update.symbol)) {
            rooms.push({
              name: `prices:${update.symbol}`,
              key: '',
              kind: KIND_PRICE,
              mod: 0,
              maxlen: symbolHistorySize,
            })
          }
          break
        }
        case EventType.PORTFOLIO_UPDATE:
          text = encodePortfolioUpdate(event.data, { sentAt })
          rooms.push({
            name: 'portfolio',
            key: '',
            kind: KIND_PORTFOLIO,
            mod: 0,
            maxlen: historySize,
          })
          break
        case EventType.ALERT_TRIGGERED:
          text = encodeAlertTriggered(event.data, { sentAt })
          claim = event.data.id
          rooms.push({
            name: 'alerts',
            key: '',
            kind: KIND_ALERT,
            mod: Math.max(1, alertSnapshotSize),
            maxlen: historySize,
          })
          break
        case EventType.FEED_STATUS:
          text = encodeFeedStatus(event.data, { sentAt })
          rooms.push({
            name: 'status',
            key: event.data.provider,
            kind: KIND_FEED_STATUS,
            mod: 0,
            maxlen: historySize,
          })
          break
        default:
          return
      }
    } catch (error) {
      this.counters.publishErrors++
      this.options.logger.debug({ err: error }, 'cluster: could not encode an event; skipped it')
      return
    }
    const [head, tail] = split(text)
    const epoch = this.key('epoch')
    const keys: string[] = [epoch, claim === undefined ? epoch : this.claimKey(claim)]
    const args: (string | number)[] = [
      token,
      claim === undefined ? '' : this.options.nodeId,
      this.options.claimTtl,
    ]
    for (const room of rooms) {
      keys.push(...this.roomKeys(room.name))
      args.push(head, tail, room.key, room.kind, room.mod, Math.max(1, room.maxlen))
    }
    this.scripts.publish(keys.length, ...keys, ...args).then(
      (result) => {
        if (result === -1) {
          this.counters.fenced++
          if (this.token === token) void this.stepDown('a newer leader holds the lease')
        } else if (result === -2) {
          this.counters.duplicateAlerts++
          if (claim !== undefined) this.claims.add(claim)
        } else {
          this.counters.published++
          if (claim !== undefined) this.claims.add(claim)
        }
      },
      (error: unknown) => {
        this.counters.publishErrors++
        this.options.logger.debug({ err: error }, 'cluster: publishing to redis failed')
      },
    )
  }

  private claimKey(alertId: string): string {
    return this.key(`alert:${alertId}:claim`)
  }

  // ------------------------------------------------------------------------------------------
  // Election and registry

  /** Joins the service: heartbeats, and contends for the lease. */
  start(): void {
    if (this.timer !== undefined || this.stopped) return
    const loop = (): void => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined
        if (!this.stopped)
          this.timer = this.options.clock.setTimeout(loop, this.options.renewInterval)
      })
    }
    loop()
  }

  private async tick(): Promise<void> {
    const { clock, nodeId, leaseMs, renewInterval, logger } = this.options
    const leader = this.key('leader')
    const epoch = this.key('epoch')
    try {
      const feeds = this.leader
        ? JSON.stringify(this.options.localFeeds().getStatus().providers)
        : ''
      const reply = (await this.scripts.heartbeat(
        3,
        this.key('nodes'),
        leader,
        this.key('feeds'),
        nodeId,
        leaseMs + renewInterval * 2,
        feeds,
        renewInterval * 4,
      )) as string[]
      this.lastHeartbeatOk = clock.now()
      this.leaderId = reply[0] ?? ''
      this.nodes = reply.slice(2).sort()
      if (!this.leader) this.remoteFeeds = parseFeeds(reply[1] ?? '')

      const token = this.token
      if (token !== undefined) {
        if (!this.options.healthy()) {
          logger.warn({ nodeId }, 'cluster: this leader has no fresh feed data; stepping down')
          this.sitOutUntil = clock.now() + leaseMs * 2
          await this.stepDown('feed stale', true)
          return
        }
        const renewed = await this.scripts.renew(2, leader, epoch, nodeId, leaseMs, token)
        if (renewed === 1) {
          this.lastRenewOk = clock.now()
          await this.disarmClaims()
        } else {
          await this.stepDown('lost the lease')
        }
        return
      }
      if (clock.now() < this.sitOutUntil) return
      const acquired = Number(await this.scripts.acquire(2, leader, epoch, nodeId, leaseMs))
      if (acquired > 0 && !this.stopped) {
        this.token = String(acquired)
        this.lastRenewOk = clock.now()
        this.leaderId = nodeId
        this.counters.leaderTerms++
        logger.info({ nodeId, epoch: acquired }, 'cluster: this node is now the leader')
        await this.changeLeadership(true)
      }
    } catch (error) {
      this.counters.redisErrors++
      logger.debug({ err: error }, 'cluster: election round failed')
      // Without Redis the lease cannot be renewed: stop ingesting before it can run out, so two
      // nodes never ingest at once for long (the fencing epoch refuses a deposed leader anyway).
      if (this.leader && clock.now() - this.lastRenewOk > leaseMs - renewInterval) {
        await this.stepDown('redis unreachable')
      }
    }
  }

  private async disarmClaims(): Promise<void> {
    const rearmed = this.options.rearmed?.() ?? []
    for (const id of rearmed) {
      if (!this.claims.delete(id)) continue
      await this.scripts.disarm(1, this.claimKey(id), this.options.nodeId)
    }
  }

  private changeLeadership(leader: boolean): Promise<void> {
    this.leadershipChange = this.leadershipChange
      .then(() => this.options.onLeadership(leader))
      .catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'cluster: changing leadership failed')
      })
    return this.leadershipChange
  }

  private stepDown(reason: string, release = false): Promise<void> {
    if (this.token === undefined) return this.leadershipChange
    this.token = undefined
    this.options.logger.info({ nodeId: this.options.nodeId, reason }, 'cluster: no longer leader')
    if (release) {
      this.scripts
        .release(2, this.key('leader'), this.key('epoch'), this.options.nodeId)
        .catch(() => undefined)
    }
    return this.changeLeadership(false)
  }

  /** Leaves the service: gives the lease up (another node takes over at once), closes Redis. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.unsubscribe()
    await this.ticking
    const wasLeader = this.token !== undefined
    await this.stepDown('shutting down', false)
    if (this.cmd.status === 'ready') {
      const { nodeId } = this.options
      await Promise.allSettled([
        wasLeader
          ? this.scripts.release(2, this.key('leader'), this.key('epoch'), nodeId)
          : Promise.resolve(),
        this.scripts.leave(1, this.key('nodes'), nodeId),
      ])
    }
    this.reader.disconnect()
    await this.reading
    await this.cmd.quit().catch(() => {
      this.cmd.disconnect()
    })
  }
}

const parseFeeds = (json: string): ProviderStatusLike[] => {
  if (json === '') return []
  try {
    const value = JSON.parse(json) as unknown
    return Array.isArray(value) ? (value as ProviderStatusLike[]) : []
  } catch {
    return []
  }
}
