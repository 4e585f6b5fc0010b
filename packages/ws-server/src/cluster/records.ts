import { decodeServerMessage, encodeMessage } from '@crypto-analyzer/core-events'
import { KIND_NAMES, makeEntry } from '../internal/frame.js'
import type { Entry } from '../internal/frame.js'
import type { Room } from '../internal/room.js'

/**
 * A room message as the leader's PUBLISH script stores it, field by field, in the room's stream
 * entry and (as a JSON document of the same fields) in the room's latest-state hash:
 *
 * - `s`: the room's seq, assigned in Redis by `INCR`, so it is gap-free and service-wide;
 * - `c`: the wire message type (`price_update`, ...), the one the room's channel carries;
 * - `k`: the key the latest state and conflation keep one of (an alert firing: its seq);
 * - `t`: when the leader sent it, epoch ms;
 * - `d`: the message's `data` as JSON text, exact decimals.
 *
 * Every node builds the frame from these with `encodeMessage`, as the single-process hub does,
 * so the bytes are the same on every node. What Redis gives back is input like any other: each
 * field is checked, and the assembled message must decode as a server message.
 */
export interface StoredFields {
  readonly s?: unknown
  readonly c?: unknown
  readonly k?: unknown
  readonly t?: unknown
  readonly d?: unknown
}

/** The fields of a stream entry (`[name, value, name, value, ...]`). */
export function streamFields(list: readonly string[]): StoredFields {
  const fields: Record<string, string> = {}
  for (let index = 0; index + 1 < list.length; index += 2) {
    fields[list[index] as string] = list[index + 1] as string
  }
  return fields
}

/** The fields of a latest-state hash value, `undefined` when it is not a JSON object. */
export function latestFields(value: string): StoredFields | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return undefined
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? parsed
    : undefined
}

const SEQ = /^[1-9][0-9]{0,15}$/
const TIME = /^[0-9]{1,16}$/
/** The last epoch millisecond a `Date` can show (ECMA-262 §21.4.1.1). */
const MAX_TIME = 8.64e15

/** Data texts kept as known-good; the oldest is forgotten first. */
const REMEMBERED = 2048

/**
 * Turns stored room messages into room entries. The data text of one event is the same in each
 * of its rooms, and the envelope around it is built from checked numbers, so a data text known to
 * make a good message of a type (it decoded once, or this node encoded it) is not decoded again.
 */
export class StoredReader {
  /** Data text → the message type it is known to be good data of. */
  private readonly known = new Map<string, string>()
  /** The remembered texts in the order they came, to forget the oldest without iterating the map. */
  private readonly order: (string | undefined)[] = new Array<string | undefined>(REMEMBERED)
  private next = 0

  /** Marks a data text as good data of a `type` message: this node encoded it itself. */
  trust(type: string, data: string): void {
    const oldest = this.order[this.next]
    if (oldest !== undefined) this.known.delete(oldest)
    this.order[this.next] = data
    this.next = (this.next + 1) % REMEMBERED
    this.known.set(data, type)
  }

  /** A stored room message as the room's entry, or why it is not one. */
  entry(room: Room, fields: StoredFields): Entry | string {
    const { s, c, k, t, d } = fields
    if (typeof s !== 'string' || !SEQ.test(s) || !Number.isSafeInteger(Number(s))) {
      return 'seq is not a positive integer'
    }
    const type = KIND_NAMES[room.kind]
    if (type === undefined || c !== type) return `type is not the ${room.family.channel} channel's`
    if (typeof t !== 'string' || !TIME.test(t) || Number(t) > MAX_TIME) {
      return 'sent time is not an epoch millisecond'
    }
    if (typeof k !== 'string') return 'key is not a string'
    if (typeof d !== 'string') return 'data is not a string'
    const seq = Number(s)
    const text = encodeMessage(type, d, { seq, sentAt: Number(t) })
    if (this.known.get(d) !== type) {
      const decoded = decodeServerMessage(text)
      if (!decoded.ok) return `not a server message: ${decoded.error.message}`
      this.trust(type, d)
    }
    return makeEntry(seq, text, k, room.kind)
  }
}
