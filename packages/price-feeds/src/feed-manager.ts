import {
  CryptoAnalyzerError,
  EventType,
  createEmitter,
  isProviderName,
  normalizeSymbol,
  parseSymbols,
  silentLogger,
  systemClock,
} from '@crypto-analyzer/core-events'
import type {
  Clock,
  Emitter,
  FeedState,
  FeedStatus,
  Logger,
  PriceUpdate,
  ProviderName,
  StreamEventBus,
} from '@crypto-analyzer/core-events'
import { createStreamManager } from '@crypto-analyzer/stream-manager'
import type { StreamConfig, StreamManager } from '@crypto-analyzer/stream-manager'
import type { Observable } from 'rxjs'
import { FeedError } from './errors.js'
import type { ProviderAdapter, ProviderSink } from './internal/provider.js'
import { FeedRouter } from './internal/router.js'
import { VENUE_NAMES, venueDefinition } from './internal/venues/registry.js'
import type { ExchangeName, VenueDefinition } from './internal/venues/venue.js'

export interface PriceFeedManagerOptions {
  /** Where updates (`price_update`), statuses (`feed_status`) and errors (`error`) are also published. Start it yourself. */
  readonly bus?: StreamEventBus | undefined
  readonly clock?: Clock | undefined
  readonly logger?: Logger | undefined
  /** Quote currency for every exchange (default: each venue's, `DEFAULT_QUOTES`). */
  readonly quote?: string | undefined
  /** Exchange WebSocket URLs by provider (blank or absent: the real exchange, `DEFAULT_PROVIDER_URLS`). */
  readonly urls?: Readonly<Partial<Record<ExchangeName, string | undefined>>> | undefined
  /** A symbol with no update for this long on its serving provider is stale (default 30000). */
  readonly staleAfter?: number | undefined
  /** The primary must deliver a symbol without a gap this long before it moves back (default 30000). */
  readonly failbackAfter?: number | undefined
  /** Mock provider: `interval` ms between updates (default 1000, min 1), `seed` for a reproducible walk. */
  readonly mock?:
    { readonly interval?: number | undefined; readonly seed?: number | undefined } | undefined
  /**
   * Overrides of the exchange stream configs (reconnect, heartbeat, ...); `streamId`, `url`,
   * `symbols` and the callbacks (`onOpen`, `onClose`, `onMessage`, `onStateChange`) are ours.
   */
  readonly stream?: Partial<StreamConfig> | undefined
}

export interface AddProviderOptions {
  /** Serves its symbols while healthy; the others are fallbacks in the order added. Default: the first provider added. */
  readonly isPrimary?: boolean | undefined
}

export interface ProviderStatus {
  readonly provider: ProviderName
  readonly primary: boolean
  readonly state: FeedState
  readonly symbols: string[]
  readonly messagesReceived: number
  readonly uptimeSeconds: number
  /** Ping/pong round trip of the connection (undefined for mock or before the first pong). */
  readonly latencyMs: number | undefined
  readonly reconnects: number
  /** Frames dropped: malformed, wrong-typed, out of range, oversize. */
  readonly droppedFrames: number
  readonly lastMessageAt: number | undefined
  readonly staleAfter: number
  /** `receivedAt − exchange event time` of its last update (clock skew included). */
  readonly exchangeLatencyMs: number | undefined
  /** Updates discarded as not after the last one (event time, or at the same time the Coinbase sequence). */
  readonly outOfOrder: number
  /** Symbols the exchange rejected. */
  readonly unavailableSymbols: string[]
}

export interface SymbolStatus {
  readonly symbol: string
  readonly primary: ProviderName
  readonly servedBy: ProviderName | undefined
  /** When the last update of this symbol was emitted (manager clock). */
  readonly lastUpdateAt: number | undefined
  readonly stale: boolean
}

export interface FeedManagerStatus {
  readonly providers: ProviderStatus[]
  readonly symbols: SymbolStatus[]
}

export interface PriceFeedManager {
  addProvider(
    provider: ProviderName,
    symbols: readonly string[],
    options?: AddProviderOptions,
  ): void
  addHandler(handler: (update: PriceUpdate) => void): () => void
  onStatus(handler: (status: FeedStatus) => void): () => void
  onError(handler: (error: FeedError) => void): () => void
  readonly updates$: Observable<PriceUpdate>
  readonly status$: Observable<FeedStatus>
  start(): Promise<void>
  stop(): Promise<void>
  getStatus(): FeedManagerStatus
  getLatest(symbol: string): PriceUpdate | undefined
}

export const DEFAULT_STALE_AFTER = 30_000
export const DEFAULT_FAILBACK_AFTER = 30_000
export const DEFAULT_MOCK_INTERVAL = 1000

const configError = (message: string): CryptoAnalyzerError =>
  new CryptoAnalyzerError('INVALID_CONFIG', message)

function integerOption(
  value: number | undefined,
  fallback: number,
  name: string,
  min: number,
): number {
  const result = value ?? fallback
  if (!Number.isSafeInteger(result) || result < min) {
    throw configError(
      `${name} must be an integer >= ${min} (milliseconds), got ${String(value)}; e.g. ${name}: ${fallback}`,
    )
  }
  return result
}

interface ProviderEntry {
  readonly name: ProviderName
  readonly venue: VenueDefinition
  symbols: string[]
  primary: boolean
}

/** A listener registration that names the fix when it is given something else. */
function listen<T>(emitter: Emitter<T>, handler: (value: T) => void, what: string): () => void {
  if (typeof handler !== 'function') throw configError(`the ${what} handler must be a function`)
  return emitter.on(handler)
}

/**
 * Creates the price feed manager: one adapter per provider from the venue registry (`VENUES`),
 * normalized to exact-decimal `PriceUpdate`s, with per-symbol primary/fallback failover. Options
 * are checked at once; runtime trouble is counted, reported as status/errors, and never thrown.
 * It reads no environment: the apps pass `quote`, `urls` and `mock.interval` themselves.
 */
export function createPriceFeedManager(options: PriceFeedManagerOptions = {}): PriceFeedManager {
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const bus = options.bus
  const staleAfter = integerOption(options.staleAfter, DEFAULT_STALE_AFTER, 'staleAfter', 1)
  const failbackAfter = integerOption(
    options.failbackAfter,
    DEFAULT_FAILBACK_AFTER,
    'failbackAfter',
    0,
  )
  let quote: string | undefined
  if (options.quote !== undefined) {
    try {
      quote = normalizeSymbol(options.quote)
    } catch {
      throw configError(
        `quote ${JSON.stringify(options.quote)} is not a currency code; use e.g. USDT`,
      )
    }
  }
  const mockOptions = options.mock ?? {}
  const mock = {
    interval: integerOption(mockOptions.interval, DEFAULT_MOCK_INTERVAL, 'mock.interval', 1),
    seed: mockOptions.seed,
  }
  if (mock.seed !== undefined && !Number.isSafeInteger(mock.seed)) {
    throw configError(`mock.seed must be an integer, got ${String(mock.seed)}; e.g. seed: 42`)
  }
  const urls: Readonly<Partial<Record<string, string | undefined>>> = options.urls ?? {}

  const entries: ProviderEntry[] = []
  const threw = (what: string) => (error: unknown) => {
    logger.warn({ err: error }, `a ${what} handler threw; the feed goes on`)
  }
  const updates = createEmitter<PriceUpdate>({ onError: threw('price update') })
  const statuses = createEmitter<FeedStatus>({ onError: threw('status') })
  const errors = createEmitter<FeedError>({ onError: threw('error') })
  const latest = new Map<string, PriceUpdate>()
  const adapters = new Map<ProviderName, ProviderAdapter>()
  let router: FeedRouter | undefined
  let streams: StreamManager | undefined
  let phase: 'new' | 'running' | 'stopped' = 'new'

  const publish = (publishing: () => void): void => {
    if (bus === undefined) return
    try {
      publishing()
    } catch (error) {
      logger.warn({ err: error }, 'publishing to the bus failed')
    }
  }

  const deliver = (update: PriceUpdate): void => {
    latest.set(update.symbol, update)
    updates.emit(update)
    publish(() => bus?.publishPriceUpdate(update.symbol, update))
  }

  const reportStatus = (status: FeedStatus): void => {
    logger.debug({ ...status }, 'feed status')
    statuses.emit(status)
    publish(() =>
      bus?.publish(bus.createEvent(EventType.FEED_STATUS, status, { source: status.provider })),
    )
  }

  const reportError = (error: FeedError): void => {
    logger.debug({ err: error, provider: error.provider, symbol: error.symbol }, 'feed error')
    errors.emit(error)
    publish(() =>
      bus?.publish(
        bus.createEvent(EventType.ERROR, error, { source: error.provider, symbol: error.symbol }),
      ),
    )
  }

  const sink: ProviderSink = {
    update: (update, sequence) => router?.offer(update, sequence),
    state: (provider, state, reason, retryInMs) =>
      router?.setState(provider, state, reason, retryInMs),
    error: reportError,
    rejected: (provider, symbol, error) => {
      router?.reject(provider, symbol)
      reportError(error)
    },
  }

  const createAdapter = (entry: ProviderEntry, streams: () => StreamManager): ProviderAdapter =>
    entry.venue.create({
      symbols: entry.symbols,
      quote,
      url: entry.venue.resolveUrl(urls[entry.name]),
      streams,
      stream: options.stream ?? {},
      staleAfter,
      clock,
      logger,
      sink,
      mock,
    })

  const manager: PriceFeedManager = {
    addProvider(provider, symbols, providerOptions = {}) {
      if (phase !== 'new') {
        throw new FeedError('invalid-state', 'add every provider before start()', { provider })
      }
      if (typeof provider !== 'string' || !isProviderName(provider)) {
        throw configError(`unknown provider ${JSON.stringify(provider)}: use one of ${VENUE_NAMES}`)
      }
      const venue = venueDefinition(provider)
      if (venue === undefined) {
        throw new FeedError(
          'invalid-config',
          `provider ${JSON.stringify(provider)} is not available in this version of price-feeds: use one of ${VENUE_NAMES}`,
          { provider },
        )
      }
      let list: string[]
      if (symbols.length === 0 && venue.defaultSymbols !== undefined) {
        list = [...venue.defaultSymbols]
      } else {
        try {
          list = parseSymbols(symbols)
        } catch (error) {
          throw new FeedError('invalid-config', (error as Error).message, {
            provider,
            cause: error,
          })
        }
      }
      if (venue.maxSymbols !== undefined && list.length > venue.maxSymbols) {
        throw new FeedError(
          'invalid-config',
          `${provider} takes at most ${venue.maxSymbols} streams per connection`,
          { provider },
        )
      }
      // Fail fast on a bad URL rather than at start().
      venue.resolveUrl(urls[provider])
      const isPrimary = providerOptions.isPrimary === true
      const current = entries.find((entry) => entry.primary)
      if (isPrimary && current !== undefined && current.name !== provider) {
        throw new FeedError(
          'invalid-config',
          `${current.name} is already the primary provider; add ${provider} without isPrimary to make it a fallback`,
          { provider },
        )
      }
      const existing = entries.find((entry) => entry.name === provider)
      if (existing === undefined) {
        entries.push({ name: provider, venue, symbols: list, primary: isPrimary })
      } else {
        existing.symbols = [...new Set([...existing.symbols, ...list])]
        existing.primary ||= isPrimary
      }
    },

    addHandler: (handler) => listen(updates, handler, 'price update'),
    onStatus: (handler) => listen(statuses, handler, 'status'),
    onError: (handler) => listen(errors, handler, 'error'),
    updates$: updates.observable(),
    status$: statuses.observable(),

    start() {
      if (phase === 'running') return Promise.resolve()
      if (phase === 'stopped') {
        return Promise.reject(
          new FeedError('invalid-state', 'this manager was stopped; create a new one', {
            provider: entries[0]?.name ?? 'mock',
          }),
        )
      }
      if (entries.length === 0) {
        return Promise.reject(
          configError("no provider added: call addProvider('mock', []) or another provider first"),
        )
      }
      const primary = entries.find((entry) => entry.primary) ?? entries[0]
      if (primary === undefined) return Promise.resolve()
      primary.primary = true
      const ordered = [primary, ...entries.filter((entry) => entry !== primary)]
      const getStreams = (): StreamManager => {
        streams ??= createStreamManager({ clock, logger })
        return streams
      }
      try {
        for (const entry of ordered) adapters.set(entry.name, createAdapter(entry, getStreams))
      } catch (error) {
        adapters.clear()
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
      phase = 'running'
      router = new FeedRouter({
        providers: ordered.map((entry) => ({ name: entry.name, symbols: entry.symbols })),
        clock,
        logger,
        staleAfter,
        failbackAfter,
        emit: deliver,
        status: reportStatus,
      })
      router.start()
      streams?.start()
      for (const adapter of adapters.values()) adapter.start()
      return Promise.resolve()
    },

    async stop() {
      if (phase !== 'running') {
        phase = 'stopped'
        return
      }
      phase = 'stopped'
      // No failover while everything goes down on purpose.
      router?.stop()
      for (const adapter of adapters.values()) await adapter.stop()
      if (streams !== undefined) await streams.stop()
      for (const name of adapters.keys()) router?.setState(name, 'stopped', 'stopped')
      updates.complete()
      statuses.complete()
      errors.complete()
    },

    getStatus() {
      const primaryName = (entries.find((entry) => entry.primary) ?? entries[0])?.name
      const providers = entries.map((entry): ProviderStatus => {
        const counters = adapters.get(entry.name)?.counters()
        return {
          provider: entry.name,
          primary: entry.name === primaryName,
          state: router?.feedState(entry.name) ?? 'stopped',
          symbols: [...entry.symbols],
          messagesReceived: counters?.messagesReceived ?? 0,
          uptimeSeconds: counters?.uptimeSeconds ?? 0,
          latencyMs: counters?.latencyMs,
          reconnects: counters?.reconnects ?? 0,
          droppedFrames: counters?.droppedFrames ?? 0,
          lastMessageAt: counters?.lastMessageAt,
          staleAfter,
          exchangeLatencyMs: counters?.exchangeLatencyMs,
          outOfOrder: router?.outOfOrder(entry.name) ?? 0,
          unavailableSymbols: router?.unavailableSymbols(entry.name) ?? [],
        }
      })
      const symbols: SymbolStatus[] =
        router?.symbolStatus() ??
        [...new Set(entries.flatMap((entry) => entry.symbols))].map((symbol) => ({
          symbol,
          primary: primaryName ?? 'mock',
          servedBy: undefined,
          lastUpdateAt: undefined,
          stale: false,
        }))
      return { providers, symbols }
    },

    getLatest(symbol) {
      return latest.get(symbol.trim().toUpperCase())
    },
  }
  return manager
}
