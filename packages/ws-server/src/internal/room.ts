import { ROOM_FAMILIES, roomName } from '@crypto-analyzer/core-events'
import type { RoomFamily } from '@crypto-analyzer/core-events'
import { CHANNEL_KINDS } from './frame.js'
import type { Entry, Kind } from './frame.js'

/** Who a room delivers to; implemented by the connection class. */
export interface Member {
  deliver(room: Room, entry: Entry): void
}

/** The sizes a server's rooms are made with (its options, or a cluster node's). */
export interface RoomSizes {
  readonly symbols: readonly string[]
  readonly historySize: number
  readonly symbolHistorySize: number
  readonly alertSnapshotSize: number
}

/** One room of a server: its wire name, its family, and how much it keeps. */
export interface RoomSpec {
  readonly name: string
  readonly family: RoomFamily
  /** Messages kept for `since` replay. */
  readonly historySize: number
  /** Most messages of the latest state: every key's newest (`Infinity`), or the newest few. */
  readonly latestLimit: number
}

/**
 * Every room a server has, from the room families: the fixed rooms first, then one per streamed
 * symbol for each per-symbol family. A room name not listed here is not served.
 */
export function roomSpecs(sizes: RoomSizes): RoomSpec[] {
  const spec = (family: RoomFamily, symbol?: string): RoomSpec => ({
    name: roomName(family, symbol),
    family,
    historySize: family.history === 'symbol' ? sizes.symbolHistorySize : sizes.historySize,
    latestLimit: family.latest === 'recent' ? sizes.alertSnapshotSize : Infinity,
  })
  return [
    ...ROOM_FAMILIES.filter((family) => !family.perSymbol).map((family) => spec(family)),
    ...ROOM_FAMILIES.filter((family) => family.perSymbol).flatMap((family) =>
      sizes.symbols.map((symbol) => spec(family, symbol)),
    ),
  ]
}

/**
 * A room stream: its own `seq`, a bounded history for `since` replay, the latest message per key
 * (the state a joining client gets at once) and its members.
 */
export class Room {
  readonly name: string
  readonly family: RoomFamily
  /** The out-message counter of this room's messages (its channel's). */
  readonly kind: Kind
  readonly members: Set<Member> = new Set<Member>()
  /** The seq of the newest message, 0 before the first. */
  seq = 0
  private readonly history: (Entry | undefined)[]
  private historyStart = 0
  private historyLength = 0
  /** Latest message per key, in seq order (a key is deleted and re-set on every update). */
  private readonly latest = new Map<string, Entry>()
  private readonly latestLimit: number

  constructor(spec: RoomSpec) {
    this.name = spec.name
    this.family = spec.family
    this.kind = CHANNEL_KINDS[spec.family.channel]
    this.history = new Array<Entry | undefined>(spec.historySize)
    this.latestLimit = spec.latestLimit
  }

  /** How many messages the history keeps. */
  get historySize(): number {
    return this.history.length
  }

  /** Stores a message made with `seq + 1` as the room's newest and sends it to every member. */
  publish(entry: Entry): void {
    this.seq = entry.seq
    const capacity = this.history.length
    if (capacity > 0) {
      if (this.historyLength < capacity) {
        this.history[(this.historyStart + this.historyLength) % capacity] = entry
        this.historyLength++
      } else {
        this.history[this.historyStart] = entry
        this.historyStart = (this.historyStart + 1) % capacity
      }
    }
    if (this.latestLimit > 0) {
      this.latest.delete(entry.key)
      this.latest.set(entry.key, entry)
      if (this.latest.size > this.latestLimit) {
        const oldest = this.latest.keys().next()
        if (oldest.done !== true) this.latest.delete(oldest.value)
      }
    }
    for (const member of this.members) member.deliver(this, entry)
  }

  /**
   * Replaces the room's history and latest state without sending anything (a cluster node
   * loading the shared state from Redis). `history` and `latest` are in seq order.
   */
  restore(history: readonly Entry[], latest: readonly Entry[]): void {
    const capacity = this.history.length
    const kept = capacity === 0 ? [] : history.slice(-capacity)
    this.history.fill(undefined)
    this.historyStart = 0
    this.historyLength = kept.length
    kept.forEach((entry, index) => {
      this.history[index] = entry
    })
    this.latest.clear()
    if (this.latestLimit > 0) {
      for (const entry of latest.slice(-this.latestLimit)) this.latest.set(entry.key, entry)
    }
    let seq = 0
    for (const entry of [...kept, ...latest]) if (entry.seq > seq) seq = entry.seq
    this.seq = seq
  }

  /** Whether the latest state has a message with this key. */
  hasLatest(key: string): boolean {
    return this.latest.has(key)
  }

  /** The room's latest state: the newest message per key, in seq order. */
  snapshot(): Entry[] {
    return [...this.latest.values()]
  }

  /**
   * The messages after `since`, or `undefined` when the history no longer has all of them (or
   * `since` is ahead of this room, e.g. from before a server restart).
   */
  replay(since: number): Entry[] | undefined {
    if (since > this.seq) return undefined
    if (since === this.seq) return []
    const capacity = this.history.length
    if (this.historyLength === 0) return undefined
    const oldest = this.history[this.historyStart]
    if (oldest === undefined || since < oldest.seq - 1) return undefined
    const result: Entry[] = []
    for (let index = 0; index < this.historyLength; index++) {
      const entry = this.history[(this.historyStart + index) % capacity]
      if (entry !== undefined && entry.seq > since) result.push(entry)
    }
    return result
  }
}
