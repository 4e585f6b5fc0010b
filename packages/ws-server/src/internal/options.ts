import { normalizeSymbol, silentLogger, systemClock } from '@crypto-analyzer/core-events'
import type { Clock, Logger, StreamEventBus } from '@crypto-analyzer/core-events'
import { WsServerError } from '../errors.js'
import type { FeedStatusSource, WsServerOptions } from '../types.js'

const MIB = 1024 * 1024

export interface ResolvedOptions {
  readonly bus: StreamEventBus
  readonly symbols: readonly string[]
  readonly feeds: FeedStatusSource | undefined
  readonly version: string | undefined
  readonly token: string | undefined
  readonly allowedOrigins: ReadonlySet<string> | undefined
  readonly maxConnectionsPerIp: number
  readonly maxConnections: number
  readonly maxRooms: number
  readonly maxMessageSize: number
  readonly historySize: number
  readonly symbolHistorySize: number
  readonly alertSnapshotSize: number
  readonly heartbeatInterval: number
  readonly softLimit: number
  readonly hardLimit: number
  readonly hardLimitGrace: number
  readonly stuckTimeout: number
  readonly backpressureInterval: number
  readonly closeTimeout: number
  readonly shutdownTimeout: number
  readonly staleAfter: number
  readonly rateMessages: number
  readonly rateWindow: number
  readonly rateGrace: number
  readonly preparedFrames: boolean
  readonly processMetrics: boolean
  readonly clock: Clock
  readonly logger: Logger
}

const invalid = (message: string): WsServerError => new WsServerError('invalid-config', message)

function integer(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max?: number,
): number {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < min ||
    (max !== undefined && value > max)
  ) {
    const range = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
    throw invalid(`${name} must be ${range} (got ${show(value)}); e.g. ${name}: ${fallback}`)
  }
  return value
}

const show = (value: unknown): string =>
  typeof value === 'number' || value === undefined ? String(value) : JSON.stringify(value)

const isFunction = (value: unknown): boolean => typeof value === 'function'

function origins(value: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) {
    throw invalid('allowedOrigins must be a list of origins, e.g. ["https://example.com"]')
  }
  const result = new Set<string>()
  for (const item of value as unknown[]) {
    let origin: string | undefined
    if (typeof item === 'string') {
      try {
        const url = new URL(item)
        const bare =
          url.pathname === '/' && url.search === '' && url.hash === '' && url.username === ''
        if ((url.protocol === 'http:' || url.protocol === 'https:') && bare) origin = url.origin
      } catch {
        origin = undefined
      }
    }
    if (origin === undefined) {
      throw invalid(
        `allowedOrigins: ${JSON.stringify(item)} is not an origin; write scheme://host[:port], e.g. "https://example.com"`,
      )
    }
    result.add(origin)
  }
  return result
}

/** Validates every option at once, with errors that name the fix, and fills in defaults. */
export function resolveOptions(options: WsServerOptions): ResolvedOptions {
  if (typeof options !== 'object') {
    throw invalid(
      'createWsServer needs an options object, e.g. createWsServer({ bus, symbols: ["BTC"] })',
    )
  }
  const bus = options.bus as Partial<StreamEventBus> | undefined
  if (
    bus === undefined ||
    !isFunction(bus.subscribe) ||
    !isFunction(bus.getBusStats) ||
    !isFunction(bus.getHistory)
  ) {
    throw invalid(
      'bus must be a StreamEventBus, e.g. createWsServer({ bus: createEventBus(), ... })',
    )
  }
  if (!Array.isArray(options.symbols)) {
    throw invalid('symbols must be a list of streamed symbols, e.g. symbols: ["BTC", "ETH"]')
  }
  const symbols: string[] = []
  for (const item of options.symbols as unknown[]) {
    if (typeof item !== 'string')
      throw invalid(`symbols: ${show(item)} is not a string, e.g. "BTC"`)
    try {
      const symbol = normalizeSymbol(item)
      if (!symbols.includes(symbol)) symbols.push(symbol)
    } catch (error) {
      throw new WsServerError(
        'invalid-config',
        `symbols: ${JSON.stringify(item)} is not a symbol; a symbol is 1 to 20 letters or digits, e.g. "BTC"`,
        { cause: error },
      )
    }
  }
  const feeds = options.feeds
  if (feeds !== undefined && !isFunction((feeds as Partial<FeedStatusSource>).getStatus)) {
    throw invalid('feeds must have getStatus() (a PriceFeedManager fits), or be left out')
  }
  if (
    options.version !== undefined &&
    (typeof options.version !== 'string' || options.version === '')
  ) {
    throw invalid('version must be a non-empty string, e.g. "1.2.3"')
  }
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
    throw invalid('token must be a non-empty string, or be left out to disable token auth')
  }
  const softLimit = integer(options.softLimit, 'softLimit', MIB, 1, MIB)
  const hardLimit = integer(options.hardLimit, 'hardLimit', 4 * MIB, 1)
  if (hardLimit <= softLimit) {
    throw invalid(
      `hardLimit (${hardLimit}) must be above softLimit (${softLimit}), e.g. hardLimit: ${softLimit * 4}`,
    )
  }
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  if (
    !isFunction((clock as Partial<Clock>).now) ||
    !isFunction((clock as Partial<Clock>).setInterval)
  ) {
    throw invalid(
      'clock must be a Clock (now, setTimeout, clearTimeout, setInterval, clearInterval)',
    )
  }
  if (
    !isFunction((logger as Partial<Logger>).debug) ||
    !isFunction((logger as Partial<Logger>).warn)
  ) {
    throw invalid('logger must be pino-compatible (error, warn, info, debug), e.g. pino()')
  }
  const rate = options.rateLimit ?? {}
  return {
    bus: bus as StreamEventBus,
    symbols,
    feeds,
    version: options.version,
    token: options.token,
    allowedOrigins: origins(options.allowedOrigins),
    maxConnectionsPerIp: integer(options.maxConnectionsPerIp, 'maxConnectionsPerIp', 100, 1),
    maxConnections: integer(options.maxConnections, 'maxConnections', 10_000, 1),
    maxRooms: integer(options.maxRooms, 'maxRooms', 50, 1),
    maxMessageSize: integer(options.maxMessageSize, 'maxMessageSize', 4096, 64),
    historySize: integer(options.historySize, 'historySize', 1000, 0),
    symbolHistorySize: integer(options.symbolHistorySize, 'symbolHistorySize', 100, 0),
    alertSnapshotSize: integer(options.alertSnapshotSize, 'alertSnapshotSize', 20, 0),
    heartbeatInterval: integer(options.heartbeatInterval, 'heartbeatInterval', 30_000, 0),
    softLimit,
    hardLimit,
    hardLimitGrace: integer(options.hardLimitGrace, 'hardLimitGrace', 5000, 0),
    stuckTimeout: integer(options.stuckTimeout, 'stuckTimeout', 30_000, 1),
    backpressureInterval: integer(options.backpressureInterval, 'backpressureInterval', 100, 1),
    closeTimeout: integer(options.closeTimeout, 'closeTimeout', 1000, 0),
    shutdownTimeout: integer(options.shutdownTimeout, 'shutdownTimeout', 2000, 0),
    staleAfter: integer(options.staleAfter, 'staleAfter', 30_000, 1),
    rateMessages: integer(rate.messages, 'rateLimit.messages', 40, 1),
    rateWindow: integer(rate.window, 'rateLimit.window', 2000, 1),
    rateGrace: integer(rate.grace, 'rateLimit.grace', 1000, 0),
    preparedFrames: options.preparedFrames ?? true,
    processMetrics: options.processMetrics ?? true,
    clock,
    logger,
  }
}
