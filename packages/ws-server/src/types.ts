import type { Clock, Logger, StreamEventBus } from '@crypto-analyzer/core-events'
import type { ProviderStatus } from '@crypto-analyzer/price-feeds'
import type { WebSocketServerLike } from '@hono/node-server'
import type { Hono } from 'hono'
import type { WebSocketServer } from 'ws'

/**
 * One provider's health: the part of price-feeds' `ProviderStatus` that `/status`, `/health` and
 * `/metrics` read (`primary` optional), so any source of that shape fits.
 */
export type ProviderStatusLike = Pick<
  ProviderStatus,
  | 'provider'
  | 'state'
  | 'symbols'
  | 'messagesReceived'
  | 'uptimeSeconds'
  | 'latencyMs'
  | 'reconnects'
  | 'droppedFrames'
  | 'lastMessageAt'
  | 'staleAfter'
> & { readonly primary?: boolean | undefined }

/** Where `/status`, `/health` and `/metrics` read feed health from (a `PriceFeedManager` fits). */
export interface FeedStatusSource {
  getStatus(): { readonly providers: readonly ProviderStatusLike[] }
}

/** The client message rate rule of the contract: more than `messages` within `window` ms is too many. */
export interface RateLimitOptions {
  /** Most messages a client may send within `window` (default 40: bursts up to 40 are fine). */
  readonly messages?: number | undefined
  /** The sliding window in ms (default 2000, i.e. 20 messages/s sustained over 2 s). */
  readonly window?: number | undefined
  /** A client still over the limit this long after its `rate_limited` error is closed with 1008 (default 1000). */
  readonly grace?: number | undefined
}

export interface WsServerOptions {
  /** The started bus carrying price_update, portfolio_update, alert_triggered and feed_status events. */
  readonly bus: StreamEventBus
  /** The streamed symbols; `prices:<SYMBOL>` for any other symbol is `unknown_room`. */
  readonly symbols: readonly string[]
  /** Feed health for `/status`, `/health` and `/metrics` (e.g. a `PriceFeedManager`). */
  readonly feeds?: FeedStatusSource | undefined
  /** Reported by `/status` (default: this package's version). */
  readonly version?: string | undefined
  /** When set, `/ws`, `/status` and `/metrics` need `?token=` or `Authorization: Bearer`. */
  readonly token?: string | undefined
  /** Browser origins allowed besides the server's own; others get 403. Default: any. */
  readonly allowedOrigins?: readonly string[] | undefined
  /** Open WebSocket connections allowed per client IP (default 100); more get HTTP 429. */
  readonly maxConnectionsPerIp?: number | undefined
  /** Open WebSocket connections allowed in total (default 10000); more get HTTP 503. */
  readonly maxConnections?: number | undefined
  /** Rooms one client may be in (default 50). */
  readonly maxRooms?: number | undefined
  /** Largest client frame in bytes (default 4096); larger closes with 1009. */
  readonly maxMessageSize?: number | undefined
  /** Messages kept per room for `since` replay (default 1000). */
  readonly historySize?: number | undefined
  /** Messages kept per `prices:<SYMBOL>` room for `since` replay (default 100). */
  readonly symbolHistorySize?: number | undefined
  /** Alerts sent as the `alerts` room's latest state on join (default 20). */
  readonly alertSnapshotSize?: number | undefined
  /** Protocol ping interval in ms (default 30000); a client that has not answered by the next ping is cut. */
  readonly heartbeatInterval?: number | undefined
  /** Unsent bytes above which a client gets only the newest value per symbol (default 1 MiB, at most 1 MiB). */
  readonly softLimit?: number | undefined
  /** Unsent bytes above which a client is cut once `hardLimitGrace` has passed (default 4 MiB). */
  readonly hardLimit?: number | undefined
  /** How long a client may stay above `hardLimit`, in ms (default 5000); then close 1013. */
  readonly hardLimitGrace?: number | undefined
  /** How long a client may stay above `softLimit` without draining, in ms (default 30000); then close 1013. */
  readonly stuckTimeout?: number | undefined
  /** How often clients over `softLimit` are checked for drain, in ms (default 100). */
  readonly backpressureInterval?: number | undefined
  /** How long after a close frame a connection is cut if the peer does not answer, in ms (default 1000). */
  readonly closeTimeout?: number | undefined
  /** How long `close()` waits for clients to answer 1001 before cutting them, in ms (default 2000). */
  readonly shutdownTimeout?: number | undefined
  /** For `/health` without `feeds`: a price within this many ms means healthy (default 30000). */
  readonly staleAfter?: number | undefined
  readonly rateLimit?: RateLimitOptions | undefined
  /**
   * Send each room message as one frame prepared once and written to every socket (default
   * true); false uses `ws.send` per client (for benchmarks).
   */
  readonly preparedFrames?: boolean | undefined
  /** Include Node.js process metrics in `/metrics` (default true). */
  readonly processMetrics?: boolean | undefined
  readonly clock?: Clock | undefined
  readonly logger?: Logger | undefined
}

/** Why the server closed a client connection. */
export type CloseReason =
  'shutdown' | 'rate_limited' | 'message_too_big' | 'heartbeat_timeout' | 'hard_limit' | 'stuck'

/** Live counters of a server (also on `/metrics`). */
export interface WsServerStats {
  /** Open client connections. */
  readonly clients: number
  /** Members per room, rooms without members omitted. */
  readonly rooms: Readonly<Record<string, number>>
  readonly messagesIn: number
  /** Frames written to clients, room messages and replies. */
  readonly messagesOut: number
  /** Room messages never sent because a newer value for the same symbol replaced them (slow clients). */
  readonly conflated: number
  /** Messages dropped for slow clients beyond conflation (pending overflow, replies above the hard limit). */
  readonly dropped: number
  /** Clients above `softLimit` right now. */
  readonly laggingClients: number
  /** Unsent bytes over all clients right now. */
  readonly bufferedBytes: number
  /** The most unsent bytes seen on one client so far. */
  readonly maxBufferedBytes: number
  /** Connections the server closed, by reason. */
  readonly closed: Readonly<Record<CloseReason, number>>
  /** Upgrade and HTTP requests rejected, by HTTP status. */
  readonly rejected: Readonly<Record<string, number>>
}

export interface WsServer {
  /** Routes `/`, `/status`, `/health`, `/metrics` and `/ws`. */
  readonly app: Hono
  /**
   * The `noServer` ws server to hand to `serve({ websocket: { server: wss } })`. Also typed as
   * @hono/node-server's `WebSocketServerLike`, which `ws`'s own types do not satisfy under
   * `exactOptionalPropertyTypes`, so that call type-checks without a cast.
   */
  readonly wss: WebSocketServer & WebSocketServerLike
  /** Stops accepting, sends close code 1001 to every client, waits for them, then closes `wss`. */
  close(): Promise<void>
  stats(): WsServerStats
}
