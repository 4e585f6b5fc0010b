import {
  CryptoAnalyzerError,
  EventType,
  isProviderName,
  normalizeSymbol,
  parseSymbols,
  silentLogger,
  systemClock,
} from '@crypto-analyzer/core-events'
import type {
  Clock,
  FeedState,
  FeedStatus,
  Logger,
  PriceUpdate,
  ProviderName,
  StreamEventBus,
} from '@crypto-analyzer/core-events'
import { createStreamManager } from '@crypto-analyzer/stream-manager'
import type { StreamConfig, StreamManager } from '@crypto-analyzer/stream-manager'
import { Observable } from 'rxjs'
import type { Subscriber } from 'rxjs'
import { FeedError } from './errors.js'
import { createExchangeProvider, BINANCE_MAX_STREAMS } from './internal/exchange-provider.js'
import type { ExchangeCounters } from './internal/exchange-provider.js'
import { createMockProvider } from './internal/mock-provider.js'
import type { ProviderAdapter, ProviderSink } from './internal/provider.js'
import { FeedRouter } from './internal/router.js'
import { MOCK_DEFAULT_SYMBOLS } from './mock.js'
import { DEFAULT_QUOTES } from './parsers.js'
import { resolveProviderUrl } from './urls.js'

export interface PriceFeedManagerOptions {
  /** Where updates (`price_update`), statuses (`feed_status`) and errors (`error`) are also published. Start it yourself. */
  readonly bus?: StreamEventBus | undefined
  readonly clock?: Clock | undefined
  readonly logger?: Logger | undefined
  /** Quote currency for every exchange (default binance `USDT`, coinbase `USD`); else env `CRYPTO_ANALYZER_QUOTE`. */
  readonly quote?: string | undefined
  /** Exchange URLs; else env `CRYPTO_ANALYZER_BINANCE_URL` / `CRYPTO_ANALYZER_COINBASE_URL`; else the real exchange. */
  readonly urls?:
    { readonly binance?: string | undefined; readonly coinbase?: string | undefined } | undefined
  /** A symbol with no update for this long on its serving provider is stale (default 30000). */
  readonly staleAfter?: number | undefined
  /** The primary must deliver a symbol without a gap this long before it moves back (default 30000). */
  readonly failbackAfter?: number | undefined
  /** Mock provider: `interval` ms between updates (default 1000, min 1; else env `CRYPTO_ANALYZER_MOCK_INTERVAL_MS`), `seed` for a reproducible walk. */
  readonly mock?:
    { readonly interval?: number | undefined; readonly seed?: number | undefined } | undefined
  /** Overrides of the exchange stream configs (reconnect, heartbeat, ...); `streamId`, `url`, `symbols`, `onOpen` are ours. */
  readonly stream?: Partial<StreamConfig> | undefined
  /** Environment read for the overrides above (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv | undefined
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
  /** Updates discarded as older than the last one accepted (event time or Coinbase sequence). */
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
  symbols: string[]
  primary: boolean
}

/** A set of listeners that never lets one listener's exception reach the feed. */
class Listeners<T> {
  private list: ((value: T) => void)[] = []
  private readonly subscribers = new Set<Subscriber<T>>()
  errors = 0

  constructor(
    private readonly what: string,
    private readonly logger: Logger,
  ) {}

  add(handler: (value: T) => void): () => void {
    if (typeof handler !== 'function') {
      throw configError(`the ${this.what} handler must be a function`)
    }
    this.list = [...this.list, handler]
    return () => {
      this.list = this.list.filter((item) => item !== handler)
    }
  }

  emit(value: T): void {
    for (const handler of this.list) {
      try {
        handler(value)
      } catch (error) {
        this.errors++
        this.logger.warn({ err: error }, `a ${this.what} handler threw; the feed goes on`)
      }
    }
  }

  observable(): Observable<T> {
    return new Observable<T>((subscriber) => {
      this.subscribers.add(subscriber)
      const remove = this.add((value) => {
        subscriber.next(value)
      })
      return () => {
        this.subscribers.delete(subscriber)
        remove()
      }
    })
  }

  complete(): void {
    for (const subscriber of [...this.subscribers]) subscriber.complete()
  }
}

/**
 * Creates the price feed manager: adapters for Binance, Coinbase and the mock, normalized to
 * exact-decimal `PriceUpdate`s, with per-symbol primary/fallback failover. Options are checked
 * at once; runtime trouble is counted, reported as status/errors, and never thrown.
 */
export function createPriceFeedManager(options: PriceFeedManagerOptions = {}): PriceFeedManager {
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const env = options.env ?? process.env
  const bus = options.bus
  const staleAfter = integerOption(options.staleAfter, DEFAULT_STALE_AFTER, 'staleAfter', 1)
  const failbackAfter = integerOption(
    options.failbackAfter,
    DEFAULT_FAILBACK_AFTER,
    'failbackAfter',
    0,
  )
  const envQuote = env['CRYPTO_ANALYZER_QUOTE']?.trim()
  const quoteText = options.quote ?? (envQuote === '' ? undefined : envQuote)
  let quote: string | undefined
  if (quoteText !== undefined) {
    try {
      quote = normalizeSymbol(quoteText)
    } catch {
      const from = options.quote === undefined ? 'env CRYPTO_ANALYZER_QUOTE' : 'quote'
      throw configError(
        `${from} ${JSON.stringify(quoteText)} is not a currency code; use e.g. USDT`,
      )
    }
  }
  const mockOptions = options.mock ?? {}
  if (mockOptions.interval !== undefined)
    integerOption(mockOptions.interval, 1000, 'mock.interval', 1)
  if (mockOptions.seed !== undefined && !Number.isSafeInteger(mockOptions.seed)) {
    throw configError(
      `mock.seed must be an integer, got ${String(mockOptions.seed)}; e.g. seed: 42`,
    )
  }
  const urls = options.urls ?? {}

  const entries: ProviderEntry[] = []
  const updates = new Listeners<PriceUpdate>('price update', logger)
  const statuses = new Listeners<FeedStatus>('status', logger)
  const errors = new Listeners<FeedError>('error', logger)
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
    update: (update) => router?.offer(update),
    state: (provider, state, reason, retryInMs) =>
      router?.setState(provider, state, reason, retryInMs),
    error: reportError,
    rejected: (provider, symbol, error) => {
      router?.reject(provider, symbol)
      reportError(error)
    },
  }

  const mockInterval = (): number => {
    if (mockOptions.interval !== undefined) return mockOptions.interval
    const text = env['CRYPTO_ANALYZER_MOCK_INTERVAL_MS']?.trim()
    if (text === undefined || text === '') return DEFAULT_MOCK_INTERVAL
    const value = Number(text)
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      throw new FeedError(
        'invalid-config',
        `env CRYPTO_ANALYZER_MOCK_INTERVAL_MS must be an integer >= 1 (milliseconds), got ${JSON.stringify(text)}`,
        { provider: 'mock' },
      )
    }
    return value
  }

  const createAdapter = (entry: ProviderEntry, manager: () => StreamManager): ProviderAdapter => {
    if (entry.name === 'mock') {
      const seed = mockOptions.seed ?? Math.floor(Math.random() * 2 ** 32)
      const interval = mockInterval()
      logger.info({ seed, interval }, 'mock provider')
      return createMockProvider({ symbols: entry.symbols, interval, seed, clock, sink })
    }
    return createExchangeProvider({
      name: entry.name,
      symbols: entry.symbols,
      quote: quote ?? DEFAULT_QUOTES[entry.name],
      url: resolveProviderUrl(entry.name, urls[entry.name], env),
      streams: manager(),
      stream: options.stream ?? {},
      staleAfter,
      logger,
      sink,
    })
  }

  const manager: PriceFeedManager = {
    addProvider(provider, symbols, providerOptions = {}) {
      if (phase !== 'new') {
        throw new FeedError('invalid-state', 'add every provider before start()', { provider })
      }
      if (typeof provider !== 'string' || !isProviderName(provider)) {
        throw configError(
          `unknown provider ${JSON.stringify(provider)}: use one of binance, coinbase, mock`,
        )
      }
      let list: string[]
      if (provider === 'mock' && symbols.length === 0) {
        list = [...MOCK_DEFAULT_SYMBOLS]
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
      if (provider === 'binance' && list.length > BINANCE_MAX_STREAMS) {
        throw new FeedError(
          'invalid-config',
          `binance takes at most ${BINANCE_MAX_STREAMS} streams per connection`,
          { provider },
        )
      }
      // Fail fast on a bad URL or interval rather than at start().
      if (provider === 'mock') mockInterval()
      else resolveProviderUrl(provider, urls[provider], env)
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
        entries.push({ name: provider, symbols: list, primary: isPrimary })
      } else {
        existing.symbols = [...new Set([...existing.symbols, ...list])]
        existing.primary ||= isPrimary
      }
    },

    addHandler: (handler) => updates.add(handler),
    onStatus: (handler) => statuses.add(handler),
    onError: (handler) => errors.add(handler),
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
        const exchange = counters as Partial<ExchangeCounters> | undefined
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
          exchangeLatencyMs: exchange?.exchangeLatencyMs,
          outOfOrder: (router?.outOfOrder(entry.name) ?? 0) + (exchange?.outOfSequence ?? 0),
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
