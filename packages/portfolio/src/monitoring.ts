import type {
  Clock,
  Logger,
  PriceUpdate,
  ProviderName,
  StreamEventBus,
} from '@crypto-analyzer/core-events'
import { VENUES } from '@crypto-analyzer/price-feeds'
import type { PriceFeedManager, PriceFeedManagerOptions } from '@crypto-analyzer/price-feeds'
import { PortfolioError } from './errors.js'

/** How {@link PortfolioMonitor.startMonitoring} gets its prices. */
export interface MonitoringOptions {
  /** Primary provider of the feed manager the monitor creates. Default `mock`. */
  readonly provider?: ProviderName | undefined
  /** Fallback providers, in order, for the manager the monitor creates. Default none. */
  readonly fallback?: readonly ProviderName[] | undefined
  /**
   * A feed manager you own: the monitor takes its updates and does not configure, start or
   * stop it. Not combinable with `provider`, `fallback` or `feedOptions`.
   */
  readonly feedManager?: PriceFeedManager | undefined
  /**
   * Options for the manager the monitor creates. `bus`, `clock` and `logger` default to the
   * monitor's, so prices and feed statuses also reach the monitor's bus.
   */
  readonly feedOptions?: PriceFeedManagerOptions | undefined
}

/** The feed a monitor takes prices from. */
export interface MonitorFeed {
  readonly manager: PriceFeedManager
  /** Detaches, and stops the manager when the monitor created it. */
  stop(): Promise<void>
}

export interface FeedContext {
  readonly symbols: readonly string[]
  readonly bus: StreamEventBus | undefined
  readonly clock: Clock
  readonly logger: Logger
  readonly onPrice: (update: PriceUpdate) => void
}

/** The providers price-feeds implements: a contract provider without a venue cannot stream. */
const AVAILABLE: readonly string[] = VENUES.map((venue) => venue.name)

const isAvailable = (name: unknown): name is ProviderName =>
  typeof name === 'string' && AVAILABLE.includes(name)

function checkProviders(options: MonitoringOptions): {
  provider: ProviderName
  fallback: ProviderName[]
} {
  const provider = options.provider ?? 'mock'
  if (!isAvailable(provider)) {
    throw new PortfolioError(
      'invalid-config',
      `provider ${JSON.stringify(provider)} is not available: use one of ${AVAILABLE.join(', ')}, e.g. { provider: 'binance' }`,
    )
  }
  const fallback = options.fallback ?? []
  if (!Array.isArray(fallback)) {
    throw new PortfolioError(
      'invalid-config',
      "fallback must be a list of providers, e.g. { fallback: ['coinbase'] }",
    )
  }
  const seen = new Set<string>([provider])
  for (const name of fallback as unknown[]) {
    if (!isAvailable(name)) {
      throw new PortfolioError(
        'invalid-config',
        `fallback provider ${JSON.stringify(name)} is not available: use one of ${AVAILABLE.join(', ')}`,
      )
    }
    if (seen.has(name)) {
      throw new PortfolioError(
        'invalid-config',
        `provider ${name} is named twice; list each provider once (primary first, then fallbacks)`,
      )
    }
    seen.add(name)
  }
  return { provider, fallback: fallback as ProviderName[] }
}

/** Connects a monitor to a price-feed manager: a given one, or a new one it owns. */
export async function startFeed(
  options: MonitoringOptions,
  context: FeedContext,
): Promise<MonitorFeed> {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new PortfolioError(
      'invalid-config',
      "startMonitoring() takes an options object, e.g. { provider: 'mock' }",
    )
  }
  const given = options.feedManager
  if (given !== undefined) {
    if (
      options.provider !== undefined ||
      options.fallback !== undefined ||
      options.feedOptions !== undefined
    ) {
      throw new PortfolioError(
        'invalid-config',
        'pass either feedManager (configured and started by you) or provider/fallback/feedOptions, not both',
      )
    }
    if (typeof (given as Partial<PriceFeedManager>).addHandler !== 'function') {
      throw new PortfolioError(
        'invalid-config',
        'feedManager must be a PriceFeedManager from createPriceFeedManager()',
      )
    }
    const detach = given.addHandler(context.onPrice)
    return {
      manager: given,
      stop: () => {
        detach()
        return Promise.resolve()
      },
    }
  }
  const { provider, fallback } = checkProviders(options)
  if (context.symbols.length === 0) {
    throw new PortfolioError(
      'invalid-state',
      "no holdings to monitor: add one first, e.g. monitor.addHolding('BTC', '0.5')",
    )
  }
  // Loaded on demand: code that only values, alerts or stores never loads the exchange stack.
  const { createPriceFeedManager } = await import('@crypto-analyzer/price-feeds')
  const manager = createPriceFeedManager({
    ...(context.bus === undefined ? {} : { bus: context.bus }),
    clock: context.clock,
    logger: context.logger,
    ...options.feedOptions,
  })
  const detach = manager.addHandler(context.onPrice)
  try {
    manager.addProvider(provider, context.symbols, { isPrimary: true })
    for (const name of fallback) manager.addProvider(name, context.symbols)
    await manager.start()
  } catch (error) {
    detach()
    await manager.stop().catch(() => undefined)
    throw error
  }
  context.logger.debug(
    { provider, fallback, symbols: context.symbols },
    'portfolio monitoring started',
  )
  return {
    manager,
    stop: async () => {
      detach()
      await manager.stop()
    },
  }
}
