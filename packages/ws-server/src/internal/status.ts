import type { ProviderStatusLike } from '../types.js'
import type { Hub } from './hub.js'

const iso = (ms: number | undefined): string | null =>
  ms === undefined ? null : new Date(ms).toISOString()

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** The feeds' providers, or none without a feed source; a failing source counts as none. */
export function providers(hub: Hub): readonly ProviderStatusLike[] {
  const feeds = hub.options.feeds
  if (feeds === undefined) return []
  try {
    return feeds.getStatus().providers
  } catch (error) {
    hub.options.logger.debug({ err: error }, 'ws-server: feeds.getStatus() failed')
    return []
  }
}

const fresh = (provider: ProviderStatusLike, now: number): boolean =>
  provider.lastMessageAt !== undefined && now - provider.lastMessageAt <= provider.staleAfter

/** What a cluster node adds to `/status` and `/health` (see src/cluster). */
export interface ClusterStatus {
  /** The `cluster` object of `/status`. */
  readonly document: object
  /** Redis answers: false makes `/health` 503 and `/status` degraded. */
  readonly reachable: boolean
}

export interface Health {
  readonly healthy: boolean
  readonly reason: string
}

/**
 * Healthy while at least one feed delivered data within its stale window; without a feed
 * source, while a price went out within `staleAfter`.
 */
export function health(hub: Hub, cluster?: ClusterStatus): Health {
  if (cluster !== undefined && !cluster.reachable) {
    return { healthy: false, reason: 'redis unreachable; serving the last state' }
  }
  const now = hub.options.clock.now()
  if (hub.options.feeds === undefined) {
    const last = hub.lastPriceAt
    const healthy = last !== undefined && now - last <= hub.options.staleAfter
    return {
      healthy,
      reason: healthy ? 'prices flowing' : `no price update within ${hub.options.staleAfter} ms`,
    }
  }
  const list = providers(hub)
  const healthy = list.some((provider) => fresh(provider, now))
  return {
    healthy,
    reason: healthy ? 'a feed is delivering' : 'no feed delivered data within its stale window',
  }
}

/** The `/status` document of the contract. */
export function statusDocument(
  hub: Hub,
  version: string,
  startedAt: number,
  cluster?: ClusterStatus,
): object {
  const now = hub.options.clock.now()
  const list = providers(hub)
  const bus = hub.options.bus.getBusStats()
  const stats = hub.stats()
  const ok =
    health(hub, cluster).healthy && list.every((provider) => provider.state === 'connected')
  return {
    status: ok ? 'ok' : 'degraded',
    version,
    uptime_seconds: round((now - startedAt) / 1000, 1),
    clients: stats.clients,
    rooms: stats.rooms,
    feeds: list.map((provider) => ({
      provider: provider.provider,
      state: provider.state,
      symbols: [...provider.symbols],
      messages_received: provider.messagesReceived,
      uptime_seconds: round(provider.uptimeSeconds, 1),
      latency_ms: provider.latencyMs === undefined ? null : round(provider.latencyMs, 1),
      reconnects: provider.reconnects,
      dropped_frames: provider.droppedFrames,
      last_message_at: iso(provider.lastMessageAt),
    })),
    bus: {
      events_published: bus.eventsPublished,
      events_processed: bus.eventsProcessed,
      active_subscriptions: bus.activeSubscriptions,
    },
    ...(cluster === undefined ? {} : { cluster: cluster.document }),
  }
}
