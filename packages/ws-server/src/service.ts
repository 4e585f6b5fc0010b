import { serve } from '@hono/node-server'
import type { ServerType } from '@hono/node-server'
import {
  CryptoAnalyzerError,
  createEventBus,
  parseSymbols,
  silentLogger,
  systemClock,
} from '@crypto-analyzer/core-events'
import type { Logger, ProviderName, StreamEventBus } from '@crypto-analyzer/core-events'
import {
  createAlertEngine,
  createPortfolioMonitor,
  createStateStore,
  type HoldingRecord,
} from '@crypto-analyzer/portfolio'
import {
  MOCK_DEFAULT_SYMBOLS,
  createPriceFeedManager,
  type PriceFeedManager,
} from '@crypto-analyzer/price-feeds'
import { ClusterNode } from './cluster/node.js'
import { clusterSettings } from './cluster/settings.js'
import { createRedisStateStore } from './cluster/state-store.js'
import type { RedisStateStore } from './cluster/state-store.js'
import { createServer } from './server.js'

/** Everything the deployable server needs; every field has a default. */
export interface ServiceOptions {
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string | undefined
  /** TCP port (default 8000; 0 picks a free one). */
  readonly port?: number | undefined
  /** Primary price provider (default `mock`). */
  readonly provider?: ProviderName | undefined
  /** Fallback providers, in order. */
  readonly fallback?: readonly ProviderName[] | undefined
  /** Streamed symbols (default the mock's five: BTC ETH ADA DOT LINK). */
  readonly symbols?: readonly string[] | undefined
  /** Quote currency override for every provider. */
  readonly quote?: string | undefined
  /** Mock update interval in ms (default 1000). */
  readonly interval?: number | undefined
  /** Mock random seed, for reproducible runs. */
  readonly seed?: number | undefined
  /** Exchange WebSocket endpoints by provider (`{binance: 'ws://127.0.0.1:9443/ws'}`); unset ones are the real exchanges. */
  readonly urls?: Readonly<Partial<Record<ProviderName, string | undefined>>> | undefined
  /** When set, `/ws`, `/status` and `/metrics` require it. */
  readonly token?: string | undefined
  readonly allowedOrigins?: readonly string[] | undefined
  /**
   * Saved-state directory (holdings and alerts), e.g. `stateHome(process.env)` of `@crypto-analyzer/config`.
   * Required without `redisUrl`; not used with it: state then lives in Redis.
   */
  readonly home?: string | undefined
  /**
   * `redis://[user:password@]host:port[/db]` (or `rediss://`): every process started with the
   * same URL and prefix joins one service (see "Running several servers" in the README), and the
   * saved holdings and alerts live in Redis (`createRedisStateStore`) instead of files.
   */
  readonly redisUrl?: string | undefined
  /** Key prefix in Redis (default `crypto-analyzer:`); services with different prefixes are apart. */
  readonly redisPrefix?: string | undefined
  /** This process's name in the service (default `<hostname>-<pid>-<random>`). */
  readonly nodeId?: string | undefined
  /** Leader lease in ms (default 5000), renewed every 30 % of it; takeover comes within about this. */
  readonly leaderLease?: number | undefined
  readonly logger?: Logger | undefined
  readonly version?: string | undefined
}

/** A started service. */
export interface RunningService {
  /** `http://<host>:<port>`: the dashboard; `/ws` for WebSocket clients. */
  readonly url: string
  readonly port: number
  readonly bus: StreamEventBus
  readonly feeds: PriceFeedManager
  /** Sends 1001 to every client, stops the feeds and the HTTP server. Safe to call twice. */
  close(): Promise<void>
}

const listen = (server: ServerType): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error)
    }
    server.once('error', onError)
    server.once('listening', () => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : 0)
    })
  })

/**
 * Starts the whole pipeline: feed manager (primary + fallbacks) → bus → portfolio valuation and
 * alerts from the saved state (reloaded when another process changes it) → WebSocket fan-out,
 * dashboard, `/status`, `/health` and `/metrics`.
 */
export async function startService(options: ServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? silentLogger
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 8000
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CryptoAnalyzerError(
      'INVALID_CONFIG',
      `port must be 0 to 65535 (got ${String(port)}), e.g. 8000`,
    )
  }
  const cluster = options.redisUrl === undefined ? undefined : clusterSettings(options)
  const provider = options.provider ?? 'mock'
  const symbols = parseSymbols(options.symbols ?? MOCK_DEFAULT_SYMBOLS)

  const bus = createEventBus({ logger })
  bus.start()
  const createFeeds = (): PriceFeedManager => {
    const manager = createPriceFeedManager({
      bus,
      logger,
      quote: options.quote,
      urls: options.urls ?? {},
      mock: { interval: options.interval, seed: options.seed },
    })
    manager.addProvider(provider, symbols, { isPrimary: true })
    for (const fallback of options.fallback ?? []) {
      if (fallback !== provider) manager.addProvider(fallback, symbols, { isPrimary: false })
    }
    return manager
  }
  let feeds = createFeeds()

  // With Redis, saved state lives there too, so every process (and the CLI) shares it.
  const redisStore: RedisStateStore | undefined =
    cluster === undefined
      ? undefined
      : createRedisStateStore({ url: cluster.redisUrl, prefix: cluster.prefix, logger })
  const store = redisStore ?? createStateStore({ home: requireHome(options.home), logger })
  const portfolio = createPortfolioMonitor({ bus, logger })
  const alerts = createAlertEngine({ bus, logger })

  // With Redis, only the leader runs the feeds; every node serves the rooms from Redis.
  let node: ClusterNode | undefined
  let feedsRunning = false
  let shuttingDown = false
  if (cluster !== undefined) {
    let leaderSince = 0
    node = new ClusterNode({
      ...cluster,
      symbols,
      historySize: 1000,
      symbolHistorySize: 100,
      alertSnapshotSize: 20,
      bus,
      clock: systemClock,
      logger,
      localFeeds: () => feeds,
      healthy: () => {
        const now = systemClock.now()
        const list = feeds.getStatus().providers
        const grace = list.length === 0 ? 30_000 : Math.max(...list.map((item) => item.staleAfter))
        if (now - leaderSince < grace) return true
        return list.some(
          (item) => item.lastMessageAt !== undefined && now - item.lastMessageAt <= item.staleAfter,
        )
      },
      rearmed: () =>
        alerts
          .listAlerts()
          .filter((alert) => alert.armed)
          .map((alert) => alert.id),
      onLeadership: async (leader) => {
        if (leader && !shuttingDown) {
          leaderSince = systemClock.now()
          feedsRunning = true
          await feeds.start()
        } else if (!leader && feedsRunning) {
          feedsRunning = false
          const stopping = feeds
          if (!shuttingDown) feeds = createFeeds()
          await stopping.stop()
        }
      },
    })
  }
  const ws = createServer(
    {
      bus,
      symbols,
      feeds: node === undefined ? feeds : node.feeds(),
      version: options.version,
      token: options.token,
      allowedOrigins: options.allowedOrigins,
      logger,
    },
    node,
  )
  // A node serves its rooms only once they hold the service's history (bounded wait).
  await node?.bootstrapped(5000)
  const http = serve({ fetch: ws.app.fetch, hostname: host, port, websocket: { server: ws.wss } })
  const cleanups: (() => void | Promise<void>)[] = [
    () => ws.close(),
    () =>
      new Promise<void>((resolve) => {
        http.close(() => {
          resolve()
        })
      }),
  ]
  const cleanUp = async (): Promise<void> => {
    for (const step of cleanups) await step()
    if (redisStore === undefined) store.close()
    else await redisStore.quit()
    alerts.stop()
    await portfolio.stop()
    shuttingDown = true
    await node?.stop()
    await feeds.stop()
    bus.stop()
  }

  let boundPort: number
  try {
    boundPort = await listen(http)
  } catch (error) {
    cleanups.pop() // the HTTP server never listened: nothing to close there
    await cleanUp()
    throw new CryptoAnalyzerError(
      'CONNECTION_FAILED',
      `cannot listen on ${host}:${port}: ${(error as Error).message}; pick another --port`,
      { cause: error },
    )
  }

  // Saved state feeds the portfolio and the alerts, and is re-read when another process (the
  // CLI) changes it. A file (or Redis key) that cannot be read is reported with its name and kept.
  const syncHoldings = (records: readonly HoldingRecord[]): void => {
    const wanted = new Set(records.map((record) => record.symbol))
    for (const holding of portfolio.getHoldings()) {
      if (!wanted.has(holding.symbol)) portfolio.removeHolding(holding.symbol)
    }
    for (const record of records) {
      portfolio.addHolding(record.symbol, record.amount, { costBasis: record.costBasis })
    }
  }
  const reportStateError = (error: Error): void => {
    logger.error(
      { err: error },
      `${error.message}; ${redisStore === undefined ? 'the file' : 'the Redis value'} is kept, fix or remove it`,
    )
  }
  cleanups.push(
    store.watchHoldings(syncHoldings, { onError: reportStateError }),
    store.watchAlerts(
      (definitions) => {
        try {
          alerts.replaceAlerts(definitions)
        } catch (error) {
          reportStateError(error as Error)
        }
      },
      { onError: reportStateError },
    ),
    portfolio.attach(bus),
    alerts.attach(bus),
  )
  if (node === undefined) await feeds.start()
  else node.start()

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= cleanUp()
    return closing
  }

  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${boundPort}`,
    port: boundPort,
    bus,
    // With Redis a node gets a new feed manager each time it becomes leader.
    get feeds() {
      return feeds
    },
    close,
  }
}

// Thrown before any socket or timer exists: the store is created before the feeds start.
const requireHome = (home: string | undefined): string => {
  if (home === undefined) {
    throw new CryptoAnalyzerError(
      'INVALID_CONFIG',
      'home is required without redisUrl; e.g. home: stateHome(process.env) from @crypto-analyzer/config',
    )
  }
  return home
}
