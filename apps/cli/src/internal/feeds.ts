import type { Logger, ProviderName, StreamEventBus } from '@crypto-analyzer/core-events'
import { createPriceFeedManager } from '@crypto-analyzer/price-feeds'
import type { PriceFeedManager, PriceFeedManagerOptions } from '@crypto-analyzer/price-feeds'
import { fallbackList, venueUrls } from './flags.js'

/** The flags that shape a price feed, as every feed-using command parses them. */
export interface FeedFlags {
  readonly provider: ProviderName
  readonly fallback?: readonly ProviderName[] | undefined
  /** `--binance-url` and the other endpoint flags of the venue registry. */
  readonly [urlFlag: `${string}-url`]: string | undefined
  readonly quote?: string | undefined
  readonly interval?: number | undefined
  readonly seed?: number | undefined
}

/** `PriceFeedManagerOptions` from flags: only what the user set, the package defaults otherwise. */
export function feedManagerOptions(
  flags: FeedFlags,
  logger: Logger,
  bus?: StreamEventBus,
): PriceFeedManagerOptions {
  const urls = venueUrls(flags)
  const mock: { interval?: number; seed?: number } = {}
  if (flags.interval !== undefined) mock.interval = flags.interval
  if (flags.seed !== undefined) mock.seed = flags.seed
  return {
    logger,
    urls,
    mock,
    ...(bus === undefined ? {} : { bus }),
    ...(flags.quote === undefined ? {} : { quote: flags.quote }),
  }
}

/** A feed manager with the primary provider and the fallbacks for `symbols`, not yet started. */
export function createFeeds(
  symbols: readonly string[],
  flags: FeedFlags,
  logger: Logger,
  bus?: StreamEventBus,
): PriceFeedManager {
  const feeds = createPriceFeedManager(feedManagerOptions(flags, logger, bus))
  feeds.addProvider(flags.provider, symbols, { isPrimary: true })
  for (const fallback of fallbackList(flags.provider, flags.fallback)) {
    feeds.addProvider(fallback, symbols, { isPrimary: false })
  }
  return feeds
}
