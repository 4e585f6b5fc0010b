export { WsServerError } from './errors.js'
export type { WsServerErrorReason } from './errors.js'
export { createWsServer } from './server.js'
export type {
  CloseReason,
  FeedStatusSource,
  ProviderStatusLike,
  RateLimitOptions,
  WsServer,
  WsServerOptions,
  WsServerStats,
} from './types.js'
export { createRedisStateStore } from './cluster/state-store.js'
export type { RedisStateStore, RedisStateStoreOptions } from './cluster/state-store.js'
export { startService } from './service.js'
export type { RunningService, ServiceOptions } from './service.js'
