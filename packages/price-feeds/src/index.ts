export { FeedError } from './errors.js'
export type { FeedErrorOptions, FeedErrorReason } from './errors.js'
export {
  DEFAULT_FAILBACK_AFTER,
  DEFAULT_MOCK_INTERVAL,
  DEFAULT_STALE_AFTER,
  createPriceFeedManager,
} from './feed-manager.js'
export type {
  AddProviderOptions,
  FeedManagerStatus,
  PriceFeedManager,
  PriceFeedManagerOptions,
  ProviderStatus,
  SymbolStatus,
} from './feed-manager.js'
export { MOCK_DEFAULT_SYMBOLS } from './mock.js'
export { DEFAULT_QUOTES, createFrameParser } from './parsers.js'
export type {
  ControlKind,
  DropReason,
  FrameParser,
  FrameParserOptions,
  ParsedFrame,
} from './parsers.js'
export { DEFAULT_PROVIDER_URLS, resolveProviderUrl } from './urls.js'
export { VENUES } from './venues.js'
export type { ExchangeVenueInfo, OfflineVenueInfo, VenueInfo } from './venues.js'
