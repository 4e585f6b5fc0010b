import { EventType, channelMessage } from '@crypto-analyzer/core-events'
import type { AnyStreamEvent, ChannelMessage, Clock, Logger } from '@crypto-analyzer/core-events'
import type { RoomSpec } from '../internal/room.js'
import type { ClusterCounters } from './counters.js'
import type { ClusterKeys } from './keys.js'
import type { Lease } from './lease.js'
import type { Script } from './redis.js'

export interface PublisherOptions {
  readonly nodeId: string
  /** How long an alert firing claim is kept (it is also released when the alert re-arms). */
  readonly claimTtl: number
  readonly clock: Clock
  readonly logger: Logger
  readonly keys: ClusterKeys
  /** The rooms of the service: a route to any other room (a symbol not streamed) is skipped. */
  readonly rooms: readonly RoomSpec[]
  readonly lease: Lease
  readonly counters: ClusterCounters
  readonly scripts: { readonly publish: Script; readonly disarm: Script }
  /** Remembers a message this node encoded, so reading it back from Redis needs no decoding. */
  readonly encoded: (type: string, data: string) => void
  /** While leader, after every renewal: the alert ids that re-armed since the last call. */
  readonly rearmed?: (() => readonly string[]) | undefined
}

/** Where one room's messages go in Redis, and what the PUBLISH script keeps of them. */
interface Target {
  readonly keys: readonly [seq: string, stream: string, latest: string]
  /** > 0: the latest-state hash keeps the newest this many messages (field `seq % slots`). */
  readonly slots: number
  /** The stream's approximate length bound: the room's history. */
  readonly maxlen: number
}

/**
 * The leader's half of the cluster: each bus event's channel message goes to its rooms' Redis
 * streams through one PUBLISH script, with this term's fencing token. Alert firings are claimed
 * in the same script, so each edge fires once across the service.
 */
export class Publisher {
  private readonly targets: ReadonlyMap<string, Target>
  /** Alerts whose firing this node's claim holds. */
  private readonly claims = new Set<string>()

  constructor(private readonly options: PublisherOptions) {
    this.targets = new Map(
      options.rooms.map((spec) => {
        const keys = options.keys.room(spec.name)
        const target: Target = {
          keys: [keys.seq, keys.stream, keys.latest],
          slots: spec.family.latest === 'recent' ? Math.max(1, spec.latestLimit) : 0,
          maxlen: Math.max(1, spec.historySize),
        }
        return [spec.name, target]
      }),
    )
  }

  /** Publishes a bus event while this node leads (a no-op otherwise). */
  publish(event: AnyStreamEvent): void {
    const { counters, keys, lease, logger, nodeId } = this.options
    const token = lease.token
    if (token === undefined) return
    // Whole milliseconds: the followers accept nothing else as a sent time.
    const sentAt = Math.floor(this.options.clock.now())
    let message: ChannelMessage | undefined
    try {
      message = channelMessage(event)
    } catch (error) {
      counters.publishErrors++
      logger.debug({ err: error }, 'cluster: could not encode an event; skipped it')
      return
    }
    if (message === undefined) return
    this.options.encoded(message.type, message.data)
    const claim = event.type === EventType.ALERT_TRIGGERED ? event.data.id : undefined
    const scriptKeys: string[] = [keys.epoch, claim === undefined ? keys.epoch : keys.claim(claim)]
    const args: (string | number)[] = [
      token,
      claim === undefined ? '' : nodeId,
      this.options.claimTtl,
      message.type,
      sentAt,
      message.data,
    ]
    for (const route of message.routes) {
      const target = this.targets.get(route.room)
      if (target === undefined) continue
      scriptKeys.push(...target.keys)
      args.push(route.key ?? '', route.key === undefined ? 1 : 0, target.slots, target.maxlen)
    }
    if (scriptKeys.length === 2) return
    this.options.scripts.publish(scriptKeys.length, ...scriptKeys, ...args).then(
      (result) => {
        if (result === -1) {
          counters.fenced++
          if (lease.token === token) void lease.stepDown('a newer leader holds the lease')
          return
        }
        if (result === -2) counters.duplicateAlerts++
        else counters.published++
        if (claim !== undefined) this.claims.add(claim)
      },
      (error: unknown) => {
        counters.publishErrors++
        logger.debug({ err: error }, 'cluster: publishing to redis failed')
      },
    )
  }

  /** Releases the claims of alerts that re-armed, so their next edge fires on any node. */
  async disarmClaims(): Promise<void> {
    const { keys, nodeId, rearmed, scripts } = this.options
    for (const id of rearmed?.() ?? []) {
      if (!this.claims.delete(id)) continue
      await scripts.disarm(1, keys.claim(id), nodeId)
    }
  }
}
