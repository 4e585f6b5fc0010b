import type { Clock, Logger, TimerHandle } from '@crypto-analyzer/core-events'
import type { Redis } from 'ioredis'
import type { Entry } from '../internal/frame.js'
import type { Hub } from '../internal/hub.js'
import type { Room } from '../internal/room.js'
import type { ClusterCounters } from './counters.js'
import type { ClusterKeys } from './keys.js'
import { latestFields, streamFields } from './records.js'
import type { StoredFields, StoredReader } from './records.js'
import { backoff } from './redis.js'

/** How long one XREAD waits for new entries, ms. */
export const BLOCK_MS = 1000

export interface FollowerOptions {
  /** A connection of the follower's own: XREAD BLOCK holds it. */
  readonly reader: Redis
  readonly keys: ClusterKeys
  readonly clock: Clock
  readonly logger: Logger
  readonly counters: ClusterCounters
  /** Checks what is read (shared with the publisher, which vouches for what it wrote). */
  readonly stored: StoredReader
}

/**
 * Every node's half of the cluster: loads each room's history and latest state from Redis at
 * once, then follows the room streams into the local rooms, with the service-wide seq. A value
 * that fails validation is dropped and counted, never published; a failing read is retried with
 * backoff, from where it stopped.
 */
export class Follower {
  private following: Promise<void> | undefined
  private detached = false
  private stopped = false
  private markLoaded: () => void = () => undefined
  private readonly loaded = new Promise<void>((resolve) => {
    this.markLoaded = resolve
  })
  /** Ends the backoff pause in progress (on stop). */
  private wake: (() => void) | undefined

  constructor(private readonly options: FollowerOptions) {}

  /** Starts feeding `hub`'s rooms; returns what stops it. */
  attach(hub: Hub): () => void {
    this.following ??= this.follow(hub)
    return () => {
      this.detached = true
    }
  }

  /**
   * Resolves once the rooms hold Redis's history and latest state (or after `timeout` ms, e.g.
   * while Redis is down), so a client joining this node never sees a room before it is loaded.
   */
  bootstrapped(timeout: number): Promise<void> {
    const { clock } = this.options
    return new Promise((resolve) => {
      const timer = clock.setTimeout(resolve, timeout)
      void this.loaded.then(() => {
        clock.clearTimeout(timer)
        resolve()
      })
    })
  }

  /** Stops following and closes the connection; resolves once the loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true
    this.wake?.()
    this.options.reader.disconnect()
    await this.following
  }

  private halted(): boolean {
    return this.stopped || this.detached
  }

  private async follow(hub: Hub): Promise<void> {
    const { reader, keys, clock, logger, counters } = this.options
    const rooms = [...hub.rooms.values()]
    const streams = rooms.map((room) => keys.room(room.name).stream)
    let lastIds: string[] | undefined
    let failures = 0
    while (!this.halted()) {
      try {
        if (lastIds === undefined) {
          lastIds = await this.bootstrap(rooms)
          this.markLoaded()
        }
        const reply = await reader.xread(
          'COUNT',
          1000,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...streams,
          ...lastIds,
        )
        failures = 0
        if (reply === null) continue
        for (const [stream, entries] of reply) {
          const index = streams.indexOf(stream)
          const room = rooms[index]
          if (room === undefined) continue
          for (const [id, fields] of entries) {
            lastIds[index] = id
            const entry = this.entry(room, streamFields(fields), id)
            if (entry === undefined) continue
            counters.received++
            room.publish(entry)
            if (room.family.channel === 'price') hub.lastPriceAt = clock.now()
          }
        }
      } catch (error) {
        if (this.halted()) break
        failures++
        counters.redisErrors++
        logger.debug({ err: error }, 'cluster: reading the room streams failed; retrying')
        await this.pause(backoff(failures))
      }
    }
  }

  /** Loads every room's history and latest state in one transaction; the streams' last ids. */
  private async bootstrap(rooms: readonly Room[]): Promise<string[]> {
    const { reader, keys } = this.options
    const multi = reader.multi()
    for (const room of rooms) {
      const { stream, latest } = keys.room(room.name)
      multi.xrevrange(stream, '+', '-', 'COUNT', Math.max(1, room.historySize))
      multi.hgetall(latest)
    }
    const results = (await multi.exec()) ?? []
    return rooms.map((room, index) => {
      const range = (results[index * 2]?.[1] ?? []) as [string, string[]][]
      const latest = (results[index * 2 + 1]?.[1] ?? {}) as Record<string, string>
      const history: Entry[] = []
      for (const [id, fields] of range) {
        const entry = this.entry(room, streamFields(fields), id)
        if (entry !== undefined) history.push(entry)
      }
      history.reverse()
      const state: Entry[] = []
      for (const [field, value] of Object.entries(latest)) {
        const entry = this.entry(room, latestFields(value) ?? {}, `latest ${field}`)
        if (entry !== undefined) state.push(entry)
      }
      state.sort((a, b) => a.seq - b.seq)
      room.restore(history, state)
      return range[0]?.[0] ?? '0-0'
    })
  }

  /** A stored message as the room's entry, or `undefined` (dropped, counted) when invalid. */
  private entry(room: Room, fields: StoredFields, where: string): Entry | undefined {
    const entry = this.options.stored.entry(room, fields)
    if (typeof entry !== 'string') return entry
    this.options.counters.invalidEntries++
    this.options.logger.debug(
      { room: room.name, entry: where, reason: entry },
      'cluster: dropped an invalid room message read from redis',
    )
    return undefined
  }

  private pause(ms: number): Promise<void> {
    const { clock } = this.options
    return new Promise((resolve) => {
      let timer: TimerHandle = undefined
      const done = (): void => {
        clock.clearTimeout(timer)
        this.wake = undefined
        resolve()
      }
      timer = clock.setTimeout(done, ms)
      this.wake = done
    })
  }
}
