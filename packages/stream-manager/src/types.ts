import type { Clock, Logger } from '@crypto-analyzer/core-events'
import type { Observable } from 'rxjs'

export interface StreamManagerOptions {
  /** Drives every timer (backoff, heartbeat, staleness, age, rate limit). Default `systemClock`. */
  readonly clock?: Clock | undefined
  /** Debug logs for drops and state changes. Default `silentLogger`. */
  readonly logger?: Logger | undefined
  /** Most pooled streams on one connection; a further one opens another connection. Default 1024. */
  readonly maxStreamsPerConnection?: number | undefined
  /** Source of backoff jitter, returning [0, 1). Default `Math.random`. */
  readonly random?: (() => number) | undefined
  /** How long `stop()`/`removeStream()` wait for a polite close handshake before cutting the socket. Default 1000. */
  readonly closeTimeout?: number | undefined
}

/** One logical upstream stream. Durations are milliseconds, sizes bytes. */
export interface StreamConfig {
  /** Unique id, used in every message, state change and metric. */
  readonly streamId: string
  /** `ws://` or `wss://` URL. */
  readonly url: string
  /** Informational (metrics, logs). */
  readonly symbols?: readonly string[] | undefined
  /** Consecutive failed (re)connects before the terminal `failed` state; 0 = retry forever. Default 5. */
  readonly reconnectAttempts?: number | undefined
  /** Backoff base: attempt n waits a random time in [0, min(maxReconnectDelay, reconnectDelay·2^(n-1))). Default 1000. */
  readonly reconnectDelay?: number | undefined
  /** Backoff cap. Default 60000. */
  readonly maxReconnectDelay?: number | undefined
  /** Protocol ping interval; 0 = no pings. Default 30000. */
  readonly heartbeatInterval?: number | undefined
  /** No pong (or any other frame) this long after a ping => reconnect. Default `heartbeatInterval`. */
  readonly pongTimeout?: number | undefined
  /**
   * Application-level keep-alive for venues that want a text frame rather than (or besides) protocol
   * pings: `keepAliveFrame` is sent every this many ms while connected, through the rate limiter.
   * 0 = none. Default 0.
   */
  readonly keepAliveInterval?: number | undefined
  /** The keep-alive text (`ping` for OKX, `{"op":"ping"}` for Bybit); required with `keepAliveInterval`. */
  readonly keepAliveFrame?: string | undefined
  /** Bound of this stream's outgoing queue; `send` returns false beyond it. Default 1000. */
  readonly bufferSize?: number | undefined
  /** Outgoing frames per second (any 1000 ms window), pings and pongs included. Default 100. */
  readonly rateLimit?: number | undefined
  /** Extra HTTP headers of the opening handshake. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Appended to the URL query (`@ / : ,` stay literal, so Binance `streams=a@ticker/b@ticker` works). */
  readonly params?: Readonly<Record<string, string>> | undefined
  /** Frames sent after EVERY connect (subscriptions), before queued sends, through the rate limiter. */
  readonly onOpen?: (() => readonly string[]) | undefined
  /** Frames sent when this stream is removed from a pooled connection that stays open (unsubscribe). */
  readonly onClose?: (() => readonly string[]) | undefined
  /**
   * This stream's inbound frames, and no other stream's (pooled streams share a socket, so they
   * share its frames). Called before the manager-wide `onMessage` handlers; a throw is logged.
   */
  readonly onMessage?: ((message: StreamMessage) => void) | undefined
  /** This stream's state changes, before the manager-wide `onStateChange` handlers; a throw is logged. */
  readonly onStateChange?: ((change: StreamStateChange) => void) | undefined
  /** No inbound data frame for this long => `stale`, then reconnect; 0 = off. Default 0. See README. */
  readonly staleAfter?: number | undefined
  /** Reconnect proactively when a connection reaches this age; 0 = off. Default 0. */
  readonly maxConnectionAge?: number | undefined
  /** Inbound frames larger than this are dropped and counted, the connection stays. Default 1 MiB. */
  readonly maxMessageSize?: number | undefined
  /** Frames larger than this are not even buffered: the socket is closed (1009) and reconnected. Default 16 × maxMessageSize. */
  readonly hardMaxMessageSize?: number | undefined
  /** Connected this long (and, with `staleAfter`, data seen) => the backoff attempt counter resets. Default 10000. */
  readonly healthyAfter?: number | undefined
  /** Opening handshake deadline. Default 10000. */
  readonly connectTimeout?: number | undefined
  /** Share one connection with other pooled streams of the same URL and connection settings. Default false. */
  readonly pooled?: boolean | undefined
  /** Offer permessage-deflate. Default false (exchanges' ticker frames are small; compression costs CPU). */
  readonly perMessageDeflate?: boolean | undefined
}

export type StreamState =
  'idle' | 'connecting' | 'connected' | 'stale' | 'reconnecting' | 'failed' | 'stopped'

/** Machine-readable cause of a state change; `reason` carries the human detail. */
export type StateChangeReason =
  /** `start()`, or `addStream` on a started manager. */
  | 'start'
  /** The opening handshake completed (or the stream joined an open pooled connection). */
  | 'open'
  /** The socket closed (server close, TCP reset, server gone). */
  | 'closed'
  /** The connection could not be opened (refused, DNS, TLS, non-101 HTTP answer). */
  | 'connect-error'
  /** No opening handshake within `connectTimeout`. */
  | 'connect-timeout'
  /** No pong (nor any frame) within `pongTimeout` after a ping. */
  | 'pong-timeout'
  /** No data frame for `staleAfter`. */
  | 'stale'
  /** `maxConnectionAge` reached. */
  | 'max-connection-age'
  /** A frame above `hardMaxMessageSize` made the socket close with 1009. */
  | 'message-too-big'
  /** `reconnect(streamId, reason)` was called. */
  | 'manual'
  /** The backoff timer fired and a new connection attempt starts. */
  | 'retry'
  /** `reconnectAttempts` consecutive attempts failed. */
  | 'attempts-exhausted'
  /** `stop()`. */
  | 'stop'
  /** `removeStream()`. */
  | 'removed'

export interface StreamStateChange {
  readonly streamId: string
  readonly previous: StreamState
  readonly state: StreamState
  readonly reason: string
  readonly reasonCode: StateChangeReason
  readonly at: number
  /** Consecutive failed connects so far (0 when connected, and for the first connect). */
  readonly attempt: number
  /** Set when state is `reconnecting`. */
  readonly retryInMs?: number
}

/**
 * One inbound text frame. `data` is decoded once; pooled streams and every handler receive the same
 * string. `bytes` is the UTF-8 size on the wire (after permessage-deflate, if any).
 */
export interface StreamMessage {
  readonly streamId: string
  readonly data: string
  readonly bytes: number
  readonly receivedAt: number
}

export interface StreamMetrics {
  readonly streamId: string
  readonly url: string
  readonly state: StreamState
  readonly symbols: readonly string[]
  readonly messagesReceived: number
  readonly bytesReceived: number
  /** Inbound frames dropped: `droppedOversize + droppedInvalidUtf8`. */
  readonly droppedFrames: number
  readonly droppedOversize: number
  readonly droppedInvalidUtf8: number
  /** `send` calls refused because the queue was full or the stream failed/stopped. */
  readonly droppedOutgoing: number
  readonly messagesSent: number
  /** Connection attempts after the first one (every retry, proactive and manual reconnect counts). */
  readonly reconnects: number
  /** Seconds the current connection has been open (0 when not connected). */
  readonly uptimeSeconds: number
  /** Round trip of the last protocol ping/pong; exchange event-time latency is the feed parser's job. */
  readonly latencyMs: number | undefined
  /** When the last protocol pong arrived: recent pongs with an old `lastMessageAt` = half-alive. */
  readonly lastPongAt: number | undefined
  readonly lastMessageAt: number | undefined
  readonly connectedAt: number | undefined
  readonly queuedOutgoing: number
  /** Consecutive failed connects (the backoff exponent). */
  readonly attempt: number
  /** `reason` of the last state change. */
  readonly lastReason: string | undefined
  /** Streams sharing this stream's connection, itself included (1 unless pooled). */
  readonly connectionStreams: number
}

export interface StreamManager {
  start(): void
  /** Closes every socket and timer; every stream ends `stopped` (and stays registered: `start()` again reconnects). */
  stop(): Promise<void>
  /** Validates (StreamError reason 'invalid-config'); connects at once if started. */
  addStream(config: StreamConfig): void
  /** Resolves once the stream's socket (if not shared) is closed. Unknown ids resolve at once. */
  removeStream(streamId: string): Promise<void>
  /** Rate limited + queued; false when the queue overflowed or the stream is failed/stopped (counted). */
  send(streamId: string, message: string | object): boolean
  /** Force a reconnect now (e.g. on Binance serverShutdown); revives a `failed` stream. Pooled: the whole connection. */
  reconnect(streamId: string, reason: string): void
  getStreamMetrics(streamId: string): StreamMetrics | undefined
  getAllMetrics(): StreamMetrics[]
  /** Every stream's inbound frames (a stream's own consumer is better served by `StreamConfig.onMessage`). */
  onMessage(handler: (message: StreamMessage) => void): () => void
  /** Every stream's state changes (a stream's own: `StreamConfig.onStateChange`). */
  onStateChange(handler: (change: StreamStateChange) => void): () => void
  readonly messages$: Observable<StreamMessage>
  readonly stateChanges$: Observable<StreamStateChange>
}
