import { validateHeaderName, validateHeaderValue } from 'node:http'
import { StreamError } from '../errors.js'
import type {
  StreamConfig,
  StreamManagerOptions,
  StreamMessage,
  StreamStateChange,
} from '../types.js'

/** Longest delay Node timers accept (2^31-1 ms, about 24.8 days). */
const MAX_DELAY = 2_147_483_647
const MIB = 1024 * 1024

/** Settings one socket runs with: pooled streams share a connection only when these are equal. */
export interface ConnectionSettings {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly reconnectAttempts: number
  readonly reconnectDelay: number
  readonly maxReconnectDelay: number
  readonly heartbeatInterval: number
  readonly pongTimeout: number
  readonly keepAliveInterval: number
  readonly keepAliveFrame: string
  readonly rateLimit: number
  readonly staleAfter: number
  readonly maxConnectionAge: number
  readonly maxMessageSize: number
  readonly hardMaxMessageSize: number
  readonly healthyAfter: number
  readonly connectTimeout: number
  readonly perMessageDeflate: boolean
}

export interface ResolvedStreamConfig {
  readonly streamId: string
  /** The URL as configured (metrics); `connection.url` carries the params. */
  readonly url: string
  readonly symbols: readonly string[]
  readonly bufferSize: number
  readonly onOpen: (() => readonly string[]) | undefined
  readonly onClose: (() => readonly string[]) | undefined
  /** This stream's own frames, before the manager-wide handlers. */
  readonly onMessage: ((message: StreamMessage) => void) | undefined
  /** This stream's own state changes, before the manager-wide handlers. */
  readonly onStateChange: ((change: StreamStateChange) => void) | undefined
  readonly pooled: boolean
  readonly connection: ConnectionSettings
  /** Pooling key: equal keys may share a socket. */
  readonly poolKey: string
}

export interface ResolvedManagerOptions {
  readonly maxStreamsPerConnection: number
  readonly closeTimeout: number
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'streamId',
  'url',
  'symbols',
  'reconnectAttempts',
  'reconnectDelay',
  'maxReconnectDelay',
  'heartbeatInterval',
  'pongTimeout',
  'keepAliveInterval',
  'keepAliveFrame',
  'bufferSize',
  'rateLimit',
  'headers',
  'params',
  'onOpen',
  'onClose',
  'onMessage',
  'onStateChange',
  'staleAfter',
  'maxConnectionAge',
  'maxMessageSize',
  'hardMaxMessageSize',
  'healthyAfter',
  'connectTimeout',
  'pooled',
  'perMessageDeflate',
])

const MANAGER_KEYS: ReadonlySet<string> = new Set([
  'clock',
  'logger',
  'maxStreamsPerConnection',
  'random',
  'closeTimeout',
])

function invalid(message: string, streamId?: string): StreamError {
  return new StreamError('invalid-config', message, { streamId })
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value)
  if (value === undefined) return 'undefined'
  return typeof value
}

/** Levenshtein distance, only to suggest the intended key for a typo. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0
      row[j] = Math.min(
        (row[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      previous = current
    }
  }
  return row[b.length] ?? 0
}

function rejectUnknownKeys(
  value: object,
  known: ReadonlySet<string>,
  what: string,
  streamId?: string,
): void {
  for (const key of Object.keys(value)) {
    if (known.has(key)) continue
    let best: string | undefined
    let bestDistance = Number.POSITIVE_INFINITY
    const lower = key.toLowerCase()
    for (const candidate of known) {
      const other = candidate.toLowerCase()
      // A shortened name (maxStreams) is as likely a slip as a typo.
      const d = other.startsWith(lower) && lower.length >= 4 ? 1 : distance(lower, other)
      if (d < bestDistance) {
        best = candidate
        bestDistance = d
      }
    }
    const hint =
      best !== undefined && bestDistance <= 3
        ? `did you mean "${best}"?`
        : `known options: ${[...known].join(', ')}`
    throw invalid(`${what} has an unknown option "${key}": ${hint}`, streamId)
  }
}

interface IntegerRule {
  readonly min: number
  readonly max?: number
  readonly fix: string
}

function integer(
  config: Readonly<Record<string, unknown>>,
  key: string,
  fallback: number,
  rule: IntegerRule,
  streamId?: string,
  what = 'StreamConfig',
): number {
  const value = config[key]
  if (value === undefined) return fallback
  const max = rule.max ?? MAX_DELAY
  if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > max) {
    throw invalid(
      `${what}.${key} must be an integer from ${rule.min} to ${max}, got ${describe(value)}: ${rule.fix}`,
      streamId,
    )
  }
  return value
}

function stringRecord(
  value: unknown,
  key: string,
  streamId: string,
): Readonly<Record<string, string>> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(
      `StreamConfig.${key} must be an object of string values, e.g. { "x-key": "value" }, got ${describe(value)}`,
      streamId,
    )
  }
  const out: Record<string, string> = {}
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw invalid(
        `StreamConfig.${key}.${name} must be a string, got ${describe(item)}: convert it with String(value)`,
        streamId,
      )
    }
    if (key === 'headers') {
      try {
        validateHeaderName(name)
        validateHeaderValue(name, item)
      } catch (error) {
        throw invalid(
          `StreamConfig.headers.${name} is not a valid HTTP header (${error instanceof Error ? error.message : String(error)}): use a token name and a value without control characters`,
          streamId,
        )
      }
    }
    out[name] = item
  }
  return out
}

/** Query encoding that keeps `@ / : ,` literal: exchanges route on them (Binance `streams=a@ticker/b@ticker`). */
function encodeQueryPart(text: string): string {
  return encodeURIComponent(text).replace(/%(40|2F|3A|2C)/gi, (match) => decodeURIComponent(match))
}

export function buildUrl(url: string, params: Readonly<Record<string, string>>): string {
  const entries = Object.entries(params)
  if (entries.length === 0) return url
  const hashAt = url.indexOf('#')
  const base = hashAt === -1 ? url : url.slice(0, hashAt)
  const query = entries.map(([k, v]) => `${encodeQueryPart(k)}=${encodeQueryPart(v)}`).join('&')
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?'
  return `${base}${separator}${query}`
}

export function resolveStreamConfig(config: StreamConfig): ResolvedStreamConfig {
  if (typeof config !== 'object' || (config as unknown) === null) {
    throw invalid(
      `addStream needs a StreamConfig object such as { streamId: "binance", url: "wss://..." }, got ${describe(config)}`,
    )
  }
  const raw = config as unknown as Readonly<Record<string, unknown>>
  const streamId = raw['streamId']
  if (typeof streamId !== 'string' || streamId.trim() === '' || streamId.length > 200) {
    throw invalid(
      `StreamConfig.streamId must be a non-empty string of at most 200 characters, got ${describe(streamId)}: give every stream a unique id such as "binance-ticker"`,
    )
  }
  rejectUnknownKeys(config, KNOWN_KEYS, 'StreamConfig', streamId)

  const url = raw['url']
  let parsed: URL | undefined
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined
  } catch {
    parsed = undefined
  }
  if (
    typeof url !== 'string' ||
    parsed === undefined ||
    (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')
  ) {
    throw invalid(
      `StreamConfig.url of "${streamId}" must be a ws:// or wss:// URL, got ${describe(url)}: e.g. "wss://stream.binance.com:9443/ws"`,
      streamId,
    )
  }

  const symbolsValue = raw['symbols']
  let symbols: readonly string[] = []
  if (symbolsValue !== undefined) {
    if (!Array.isArray(symbolsValue) || symbolsValue.some((s) => typeof s !== 'string')) {
      throw invalid(
        `StreamConfig.symbols of "${streamId}" must be an array of strings such as ["BTC/USDT"], got ${describe(symbolsValue)}`,
        streamId,
      )
    }
    symbols = Object.freeze([...(symbolsValue as string[])])
  }

  const int = (key: string, fallback: number, rule: IntegerRule): number =>
    integer(raw, key, fallback, rule, streamId)

  const reconnectAttempts = int('reconnectAttempts', 5, {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    fix: 'use 0 to retry forever',
  })
  const reconnectDelay = int('reconnectDelay', 1000, {
    min: 1,
    fix: 'the initial backoff in ms, e.g. 1000',
  })
  const maxReconnectDelay = int('maxReconnectDelay', Math.max(60_000, reconnectDelay), {
    min: 1,
    fix: 'the backoff cap in ms, e.g. 60000',
  })
  if (maxReconnectDelay < reconnectDelay) {
    throw invalid(
      `StreamConfig.maxReconnectDelay (${maxReconnectDelay}) of "${streamId}" is below reconnectDelay (${reconnectDelay}): raise maxReconnectDelay or lower reconnectDelay`,
      streamId,
    )
  }
  const heartbeatInterval = int('heartbeatInterval', 30_000, {
    min: 0,
    fix: 'the ping interval in ms, or 0 to turn pings off',
  })
  const pongTimeout = int('pongTimeout', Math.max(1, heartbeatInterval), {
    min: 1,
    fix: 'how long to wait for a pong in ms, e.g. 30000',
  })
  const bufferSize = int('bufferSize', 1000, {
    min: 0,
    max: 10_000_000,
    fix: 'the outgoing queue bound, e.g. 1000',
  })
  const rateLimit = int('rateLimit', 100, {
    min: 1,
    max: 1_000_000,
    fix: 'outgoing messages per second, e.g. 5 for Binance',
  })
  const staleAfter = int('staleAfter', 0, {
    min: 0,
    fix: 'ms without data before reconnecting, or 0 to turn stale detection off',
  })
  const maxConnectionAge = int('maxConnectionAge', 0, {
    min: 0,
    fix: 'ms before a proactive reconnect (e.g. 23 h for Binance), or 0 for none',
  })
  const maxMessageSize = int('maxMessageSize', MIB, {
    min: 1,
    max: 2 ** 30,
    fix: 'the largest inbound frame in bytes, e.g. 1048576',
  })
  const hardMaxMessageSize = int('hardMaxMessageSize', Math.min(2 ** 31 - 1, maxMessageSize * 16), {
    min: maxMessageSize,
    max: 2 ** 31 - 1,
    fix: `must be at least maxMessageSize (${maxMessageSize})`,
  })
  const healthyAfter = int('healthyAfter', 10_000, {
    min: 0,
    fix: 'ms a connection must stay up before the backoff resets, e.g. 10000',
  })
  const connectTimeout = int('connectTimeout', 10_000, {
    min: 1,
    fix: 'the opening handshake deadline in ms, e.g. 10000',
  })

  const keepAliveInterval = int('keepAliveInterval', 0, {
    min: 0,
    fix: 'ms between keep-alive frames, e.g. 20000, or 0 for none',
  })
  const keepAliveFrame = raw['keepAliveFrame'] ?? ''
  if (typeof keepAliveFrame !== 'string' || (keepAliveInterval > 0 && keepAliveFrame === '')) {
    throw invalid(
      `StreamConfig.keepAliveFrame of "${streamId}" must be the text to send every keepAliveInterval, e.g. 'ping' or '{"op":"ping"}', got ${describe(raw['keepAliveFrame'])}`,
      streamId,
    )
  }

  const headers = stringRecord(raw['headers'], 'headers', streamId)
  const params = stringRecord(raw['params'], 'params', streamId)

  const callback = (key: string): (() => readonly string[]) | undefined => {
    const value = raw[key]
    if (value === undefined) return undefined
    if (typeof value !== 'function') {
      throw invalid(
        `StreamConfig.${key} of "${streamId}" must be a function returning the frames to send, e.g. () => [JSON.stringify(subscribe)], got ${describe(value)}`,
        streamId,
      )
    }
    return value as () => readonly string[]
  }
  const onOpen = callback('onOpen')
  const onClose = callback('onClose')

  const checkListener = (key: string, what: string): void => {
    const value = raw[key]
    if (value !== undefined && typeof value !== 'function') {
      throw invalid(
        `StreamConfig.${key} of "${streamId}" must be a function called with each ${what} of this stream, got ${describe(value)}`,
        streamId,
      )
    }
  }
  checkListener('onMessage', 'inbound frame')
  checkListener('onStateChange', 'state change')
  const onMessage = raw['onMessage'] as ((message: StreamMessage) => void) | undefined
  const onStateChange = raw['onStateChange'] as ((change: StreamStateChange) => void) | undefined

  const flag = (key: string): boolean => {
    const value = raw[key]
    if (value === undefined) return false
    if (typeof value !== 'boolean') {
      throw invalid(
        `StreamConfig.${key} of "${streamId}" must be true or false, got ${describe(value)}`,
        streamId,
      )
    }
    return value
  }
  const pooled = flag('pooled')
  const perMessageDeflate = flag('perMessageDeflate')

  const connection: ConnectionSettings = {
    url: buildUrl(url, params),
    headers,
    reconnectAttempts,
    reconnectDelay,
    maxReconnectDelay,
    heartbeatInterval,
    pongTimeout,
    keepAliveInterval,
    keepAliveFrame,
    rateLimit,
    staleAfter,
    maxConnectionAge,
    maxMessageSize,
    hardMaxMessageSize,
    healthyAfter,
    connectTimeout,
    perMessageDeflate,
  }
  const sortedHeaders = Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const poolKey = JSON.stringify({ ...connection, headers: sortedHeaders })

  return {
    streamId,
    url,
    symbols,
    bufferSize,
    onOpen,
    onClose,
    onMessage,
    onStateChange,
    pooled,
    connection,
    poolKey,
  }
}

export function resolveManagerOptions(options: StreamManagerOptions): ResolvedManagerOptions {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw invalid(
      `createStreamManager takes an options object such as { maxStreamsPerConnection: 1024 }, got ${describe(options)}`,
    )
  }
  rejectUnknownKeys(options, MANAGER_KEYS, 'StreamManagerOptions')
  const raw = options as unknown as Readonly<Record<string, unknown>>
  const maxStreamsPerConnection = integer(
    raw,
    'maxStreamsPerConnection',
    1024,
    { min: 1, max: 1_000_000, fix: 'e.g. 1024 for Binance' },
    undefined,
    'StreamManagerOptions',
  )
  const closeTimeout = integer(
    raw,
    'closeTimeout',
    1000,
    { min: 0, fix: 'ms to wait for a close handshake, e.g. 1000' },
    undefined,
    'StreamManagerOptions',
  )
  for (const key of ['random'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'function') {
      throw invalid(
        `StreamManagerOptions.${key} must be a function returning a number in [0, 1), got ${describe(raw[key])}`,
      )
    }
  }
  const clock = raw['clock']
  if (
    clock !== undefined &&
    (typeof clock !== 'object' ||
      clock === null ||
      !['now', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'].every(
        (name) => typeof (clock as Record<string, unknown>)[name] === 'function',
      ))
  ) {
    throw invalid(
      'StreamManagerOptions.clock must implement the core-events Clock interface (now, setTimeout, clearTimeout, setInterval, clearInterval): pass systemClock or a fake clock',
    )
  }
  const logger = raw['logger']
  if (
    logger !== undefined &&
    (typeof logger !== 'object' ||
      logger === null ||
      !['error', 'warn', 'info', 'debug'].every(
        (name) => typeof (logger as Record<string, unknown>)[name] === 'function',
      ))
  ) {
    throw invalid(
      'StreamManagerOptions.logger must have error, warn, info and debug methods: pass a pino logger or silentLogger',
    )
  }
  return { maxStreamsPerConnection, closeTimeout }
}
