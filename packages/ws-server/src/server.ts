import { upgradeWebSocket } from '@hono/node-server'
import { CHANNEL_EVENT_TYPES, EventType } from '@crypto-analyzer/core-events'
import type { AnyStreamEvent } from '@crypto-analyzer/core-events'
import { Hono } from 'hono'
import type { Context, MiddlewareHandler } from 'hono'
import type { WSEvents } from 'hono/ws'
import { WebSocket, WebSocketServer } from 'ws'
import type { WsServer, WsServerOptions } from './types.js'
import { loadAssets, packageVersion } from './internal/assets.js'
import type { Asset } from './internal/assets.js'
import { incomingOf, originAllowed, requestToken, tokenMatches } from './internal/http.js'
import { Hub } from './internal/hub.js'
import { createMetrics } from './internal/metrics.js'
import { resolveOptions } from './internal/options.js'
import { health, providers, statusDocument } from './internal/status.js'
import type { ClusterStatus } from './internal/status.js'

let instances = 0

/**
 * What @hono/node-server's `upgradeWebSocket` reads from a Hono context: the `upgrade` header,
 * the URL and the env it was called with. Its per-socket closures keep the context they are given
 * for as long as the socket is open, so they get this instead of the request's own context.
 */
interface UpgradeContext {
  readonly env: { incoming?: unknown }
  readonly req: { readonly url: string; header(name: string): string | undefined }
}

/** `header()` of an {@link UpgradeContext}: admission already checked the upgrade header. */
function upgradeHeader(name: string): string | undefined {
  return name.toLowerCase() === 'upgrade' ? 'websocket' : undefined
}

const NO_STORE = { 'cache-control': 'no-store' }

/**
 * Creates the real-time server: a Hono app with the dashboard (`/`), `/status`, `/health`,
 * `/metrics` and the WebSocket endpoint `/ws`, fed from the bus. Serve it with
 * `serve({ fetch: app.fetch, websocket: { server: wss } })` from `@hono/node-server`.
 */
export function createWsServer(options: WsServerOptions): WsServer {
  return createServer(options)
}

/**
 * Where a server's room messages come from when they are not its own bus's events: a cluster
 * node (src/cluster) feeds the rooms from Redis with the service-wide seq.
 */
export interface RoomSource {
  /** Starts feeding `hub`'s rooms; returns what stops it. */
  attach(hub: Hub): () => void
  /** The `cluster` part of `/status`, and whether Redis answers (for `/health`). */
  status(): ClusterStatus
}

/** {@link createWsServer}, optionally fed by a {@link RoomSource} instead of the bus. */
export function createServer(options: WsServerOptions, source?: RoomSource): WsServer {
  const resolved = resolveOptions(options)
  const { bus, clock, logger, token, allowedOrigins } = resolved
  const assets = loadAssets()
  const version = resolved.version ?? packageVersion()
  const hub = new Hub(resolved)
  const startedAt = clock.now()

  let unsubscribe: () => void
  if (source === undefined) {
    // A server started after the feeds gets the bus's recent events as its rooms' latest state.
    let lastPriceEventAt: number | undefined
    for (const event of bus.getHistory({ filter: { eventTypes: CHANNEL_EVENT_TYPES } })) {
      hub.handleEvent(event)
      if (event.type === EventType.PRICE_UPDATE) lastPriceEventAt = event.timestamp
    }
    hub.lastPriceAt = lastPriceEventAt
    // Providers whose status the bus no longer holds get their current one.
    for (const provider of providers(hub)) {
      hub.fillIn({
        id: `status-${provider.provider}`,
        type: EventType.FEED_STATUS,
        source: provider.provider,
        data: {
          provider: provider.provider,
          state: provider.state,
          symbols: [...provider.symbols],
        },
        timestamp: startedAt,
      })
    }

    instances++
    unsubscribe = bus.subscribe(
      `ws-server-${instances}`,
      (event: AnyStreamEvent) => {
        hub.handleEvent(event)
      },
      { eventTypes: CHANNEL_EVENT_TYPES },
    )
  } else {
    unsubscribe = source.attach(hub)
  }
  const cluster = (): ClusterStatus | undefined => source?.status()
  const metrics = createMetrics(hub, resolved.processMetrics)
  // A ws server is what @hono/node-server drives through WebSocketServerLike (see WsServer.wss).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: resolved.maxMessageSize,
    perMessageDeflate: false,
  }) as WsServer['wss']

  const reject = (
    c: Context,
    status: 401 | 403 | 426 | 429 | 503,
    error: string,
    message: string,
    headers: Record<string, string> = {},
  ): Response => {
    const key = String(status)
    hub.counters.rejected[key] = (hub.counters.rejected[key] ?? 0) + 1
    return c.json({ error, message }, status, { ...NO_STORE, ...headers })
  }
  const unauthorized = (c: Context): Response =>
    reject(
      c,
      401,
      'unauthorized',
      'this server needs a token: add ?token=<token> or the header Authorization: Bearer <token>',
      { 'www-authenticate': 'Bearer' },
    )
  const requireToken: MiddlewareHandler = async (c, next) => {
    if (token !== undefined && !tokenMatches(token, requestToken(c))) return unauthorized(c)
    await next()
    return undefined
  }

  const perIp = new Map<string, number>()
  let reserved = 0
  /** The IP whose slot a TCP socket holds until it closes. */
  const slots = new WeakMap<object, string>()
  // One listener for every socket (`this` is the socket), rather than a closure per connection.
  const releaseSlot = function (this: object): void {
    const ip = slots.get(this)
    if (ip === undefined) return
    slots.delete(this)
    reserved--
    const count = (perIp.get(ip) ?? 1) - 1
    if (count <= 0) perIp.delete(ip)
    else perIp.set(ip, count)
  }

  // Everything a connection must pass is checked here, before the upgrade, as HTTP statuses.
  const admit: MiddlewareHandler = async (c, next) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return reject(
        c,
        426,
        'upgrade_required',
        '/ws is a WebSocket endpoint; connect with a WebSocket client',
        {
          upgrade: 'websocket',
        },
      )
    }
    if (hub.closing)
      return reject(c, 503, 'shutting_down', 'the server is shutting down; retry shortly')
    if (!originAllowed(c, allowedOrigins)) {
      return reject(
        c,
        403,
        'forbidden_origin',
        'this origin may not connect; ask for it in --allowed-origins',
      )
    }
    if (token !== undefined && !tokenMatches(token, requestToken(c))) return unauthorized(c)
    const incoming = incomingOf(c)
    const ip = incoming?.socket.remoteAddress ?? 'unknown'
    if (reserved >= resolved.maxConnections) {
      return reject(
        c,
        503,
        'server_full',
        'the server has reached its connection limit; retry later',
      )
    }
    if ((perIp.get(ip) ?? 0) >= resolved.maxConnectionsPerIp) {
      return reject(
        c,
        429,
        'too_many_connections',
        `at most ${resolved.maxConnectionsPerIp} connections per IP address; close one first`,
      )
    }
    if (incoming !== undefined && !slots.has(incoming.socket)) {
      reserved++
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1)
      slots.set(incoming.socket, ip)
      // The TCP socket closes however the connection ends, even if the handshake never completes.
      incoming.socket.on('close', releaseSlot)
    }
    await next()
    return undefined
  }

  // One events object for every connection: node-server hands each event the socket's WSContext,
  // whose `raw` is the ws socket, and the hub finds the connection from it.
  const events: WSEvents = {
    onOpen(_event, ws) {
      const raw: unknown = ws.raw
      if (!(raw instanceof WebSocket)) {
        ws.close(1011, 'unsupported socket')
        return
      }
      hub.open(raw)
    },
    onMessage(event, ws) {
      const connection = hub.connectionOf(ws.raw)
      if (connection !== undefined) hub.message(connection, (event as { data: unknown }).data)
    },
    onClose(_event, ws) {
      const connection = hub.connectionOf(ws.raw)
      if (connection !== undefined) hub.closed(connection)
    },
    onError(event, ws) {
      const connection = hub.connectionOf(ws.raw)
      if (connection !== undefined) {
        hub.failed(connection, (event as unknown as { error?: unknown }).error)
      }
    },
  }
  const upgradeOptions = {
    onError(error: unknown): void {
      logger.debug({ err: error }, 'ws-server WebSocket handler failed')
    },
  }
  const websocket = async (c: Context): Promise<Response> => {
    const env = (c.env as UpgradeContext['env'] | undefined) ?? {}
    const upgrade: UpgradeContext = { env, req: { url: c.req.url, header: upgradeHeader } }
    const response = await upgradeWebSocket(upgrade as unknown as Context, events, upgradeOptions)
    // The helper has taken the request whose socket it waits for, and keeps `env` as long as the
    // socket is open: without this, every idle client would hold its Node.js request (~1 KiB).
    env.incoming = undefined
    return response
  }

  const serveAsset = (c: Context, asset: Asset, headers: Record<string, string> = {}): Response =>
    c.body(new Uint8Array(asset.body), 200, {
      'content-type': asset.contentType,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      ...headers,
    })

  const app = new Hono()
  app.get('/', (c) => {
    const host = c.req.header('host') ?? ''
    const sockets = host === '' ? '' : ` ws://${host} wss://${host}`
    return serveAsset(c, assets.html, {
      'content-security-policy':
        `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; ` +
        `connect-src 'self'${sockets}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      // The page URL may carry ?token=: never leak it to other sites.
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    })
  })
  app.get('/dashboard.js', (c) => serveAsset(c, assets.script))
  app.get('/dashboard.css', (c) => serveAsset(c, assets.style))
  app.get('/health', (c) => {
    const result = health(hub, cluster())
    return result.healthy
      ? c.json({ status: 'ok' }, 200, NO_STORE)
      : c.json({ status: 'unavailable', reason: result.reason }, 503, NO_STORE)
  })
  app.get('/status', requireToken, (c) =>
    c.json(statusDocument(hub, version, startedAt, cluster()), 200, NO_STORE),
  )
  app.get('/metrics', requireToken, async (c) =>
    c.body(await metrics.render(), 200, { 'content-type': metrics.contentType, ...NO_STORE }),
  )
  app.get('/ws', admit, websocket)

  let closing: Promise<void> | undefined
  return {
    app,
    wss,
    close() {
      closing ??= (async () => {
        hub.closing = true
        unsubscribe()
        await hub.shutdown()
        await new Promise<void>((resolve) => {
          wss.close(() => {
            resolve()
          })
        })
      })()
      return closing
    },
    stats() {
      return hub.stats()
    },
  }
}
