import type { ChannelName } from '@crypto-analyzer/core-events'

/** What a message is, for the out-message counters: an index into {@link KIND_NAMES}. */
export type Kind = 0 | 1 | 2 | 3 | 4
export const KIND_PRICE = 0
export const KIND_PORTFOLIO = 1
export const KIND_ALERT = 2
export const KIND_FEED_STATUS = 3
export const KIND_CONTROL = 4

/** The `type` label of each kind's out-message counter: the wire type of its messages. */
export const KIND_NAMES: readonly string[] = [
  'price_update',
  'portfolio_update',
  'alert_triggered',
  'feed_status',
  'control',
]

/** The kind of each channel's room messages (a new channel gets its counter here). */
export const CHANNEL_KINDS: Readonly<Record<ChannelName, Kind>> = {
  price: KIND_PRICE,
  portfolio: KIND_PORTFOLIO,
  alert: KIND_ALERT,
  status: KIND_FEED_STATUS,
}

/**
 * One room message, serialized once: the complete unmasked WebSocket text frame (RFC 6455 §5.2)
 * that every recipient's socket gets as it is, so a broadcast costs one write per client and no
 * per-client encoding or framing.
 */
export interface Entry {
  readonly seq: number
  /** Header + UTF-8 payload. */
  readonly frame: Buffer
  readonly headerLength: number
  /** What the room's latest state and a slow client's conflation keep one of (a symbol, a provider). */
  readonly key: string
  readonly kind: Kind
}

/** Builds a final, unmasked text frame around `text` with one allocation and one copy. */
export function textFrame(text: string): { frame: Buffer; headerLength: number } {
  const length = Buffer.byteLength(text)
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + length)
  frame[0] = 0x81 // FIN + opcode 1 (text)
  if (length < 126) {
    frame[1] = length
  } else if (length < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  frame.write(text, headerLength, 'utf8')
  return { frame, headerLength }
}

export function makeEntry(seq: number, text: string, key: string, kind: Kind): Entry {
  const { frame, headerLength } = textFrame(text)
  return { seq, frame, headerLength, key, kind }
}

/** The JSON text of an entry (for `ws.send` and tests). */
export const payloadOf = (entry: Entry): Buffer => entry.frame.subarray(entry.headerLength)
