export { createStreamManager } from './manager.js'
export { StreamError } from './errors.js'
export type { StreamErrorOptions, StreamErrorReason } from './errors.js'
export type {
  StateChangeReason,
  StreamConfig,
  StreamManager,
  StreamManagerOptions,
  StreamMessage,
  StreamMetrics,
  StreamState,
  StreamStateChange,
} from './types.js'
