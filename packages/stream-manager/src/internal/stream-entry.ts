import type { StreamState } from '../types.js'
import type { ResolvedStreamConfig } from './config.js'
import type { Connection } from './connection.js'

/** The manager's mutable record of one stream; metrics are snapshots of it. */
export interface StreamEntry {
  readonly id: string
  readonly config: ResolvedStreamConfig
  state: StreamState
  connection: Connection | undefined
  /** Set by removeStream: frames still queued for it are skipped. */
  removed: boolean
  messagesReceived: number
  bytesReceived: number
  droppedOversize: number
  droppedInvalidUtf8: number
  droppedOutgoing: number
  messagesSent: number
  reconnects: number
  latencyMs: number | undefined
  lastPongAt: number | undefined
  lastMessageAt: number | undefined
  connectedAt: number | undefined
  queued: number
  attempt: number
  lastReason: string | undefined
}

export function createEntry(config: ResolvedStreamConfig): StreamEntry {
  return {
    id: config.streamId,
    config,
    state: 'idle',
    connection: undefined,
    removed: false,
    messagesReceived: 0,
    bytesReceived: 0,
    droppedOversize: 0,
    droppedInvalidUtf8: 0,
    droppedOutgoing: 0,
    messagesSent: 0,
    reconnects: 0,
    latencyMs: undefined,
    lastPongAt: undefined,
    lastMessageAt: undefined,
    connectedAt: undefined,
    queued: 0,
    attempt: 0,
    lastReason: undefined,
  }
}
