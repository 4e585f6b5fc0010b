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
export { CHANNEL_EVENT_TYPES, channelMessage } from './channels.js'
export type { ChannelMessage, Route } from './channels.js'
export { systemClock } from './clock.js'
export type { Clock, TimerHandle } from './clock.js'
export { Decimal, formatDecimal, parseDecimal } from './decimal.js'
export { createEmitter } from './emitter.js'
export type { Emitter, EmitterOptions } from './emitter.js'
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
export { ROOM_FAMILIES, ROOM_NAMES_TEXT, roomName } from './rooms.js'
export type { ChannelName, RoomFamily, RoomKind } from './rooms.js'
export {
  decodeClientMessage,
  decodeServerMessage,
  encodeAlertData,
  encodeAlertTriggered,
  encodeError,
  encodeFeedStatus,
  encodeFeedStatusData,
  encodeMessage,
  encodePong,
  encodePortfolioData,
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
  ServerMessage,
  WireError,
  WireErrorCode,
} from './wire.js'
