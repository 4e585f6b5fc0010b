export { createEventBus } from './bus.js'
export type {
  BusStats,
  EventBusOptions,
  EventFilter,
  EventHandler,
  HistoryQuery,
  StreamEventBus,
  SubscribeOptions,
  Unsubscribe,
} from './bus.js'
export { systemClock } from './clock.js'
export type { Clock, TimerHandle } from './clock.js'
export { Decimal, formatDecimal, parseDecimal } from './decimal.js'
export { CryptoAnalyzerError, isCryptoAnalyzerError } from './errors.js'
export type { CryptoAnalyzerErrorOptions, ErrorCode } from './errors.js'
export { silentLogger } from './logger.js'
export type { Logger } from './logger.js'
export {
  EventType,
  FEED_STATES,
  MAX_SYMBOLS,
  PROVIDERS,
  isProviderName,
  normalizeSymbol,
  parseSymbols,
} from './model.js'
export type {
  AlertEvent,
  AnyStreamEvent,
  EventDataMap,
  FeedState,
  FeedStatus,
  HoldingValue,
  PortfolioSnapshot,
  PriceUpdate,
  ProviderName,
  StreamEvent,
} from './model.js'
export {
  decodeClientMessage,
  decodeServerMessage,
  encodeAlertTriggered,
  encodeError,
  encodeFeedStatus,
  encodePong,
  encodePortfolioUpdate,
  encodePriceData,
  encodePriceUpdate,
  encodeRoomEvent,
  encodeServerMessage,
  parseRoom,
} from './wire.js'
export type {
  ClientMessage,
  DecodeResult,
  FrameOptions,
  Room,
  RoomKind,
  ServerMessage,
  WireError,
  WireErrorCode,
} from './wire.js'
