import { formatDecimal, parseDecimal } from './decimal.js'
import type { Decimal } from './decimal.js'
import { JsonNumber, parseLosslessJson } from './internal/lossless-json.js'
import type { LosslessValue } from './internal/lossless-json.js'
import { FEED_STATES, PROVIDERS, isProviderName } from './model.js'
import { ROOM_FAMILIES, ROOM_NAMES_TEXT } from './rooms.js'
import type { RoomKind } from './rooms.js'
import type {
  AlertEvent,
  FeedState,
  FeedStatus,
  HoldingValue,
  PortfolioSnapshot,
  PriceUpdate,
} from './model.js'

/** Error codes the server sends in `error` messages (contract). */
export type WireErrorCode =
  | 'invalid_json'
  | 'invalid_message'
  | 'unknown_type'
  | 'unknown_room'
  | 'too_many_rooms'
  | 'rate_limited'

export interface WireError {
  readonly code: WireErrorCode
  readonly message: string
}

/** The outcome of decoding: a value, or a typed error. Decoders never throw on bad input. */
export type DecodeResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError }

export interface Room {
  readonly kind: RoomKind
  /** Set for `prices:<SYMBOL>`. */
  readonly symbol?: string | undefined
  /** Canonical name: `prices`, `prices:BTC`, ... */
  readonly name: string
}

/** Messages a client sends. Room names are canonical (`prices:btc` arrives as `prices:BTC`). */
export type ClientMessage =
  | { readonly type: 'join_room'; readonly room: Room; readonly since?: number | undefined }
  | { readonly type: 'leave_room'; readonly room: Room }
  | { readonly type: 'ping' }

/** When and in which order a server message is sent. */
export interface FrameOptions {
  /** Server send time, epoch milliseconds. */
  readonly sentAt: number
  /** Position in the room stream; omitted for messages outside a room stream. */
  readonly seq?: number | undefined
}

/** Messages the server sends, decoded with exact decimals. */
export type ServerMessage =
  | {
      readonly type: 'price_update'
      readonly data: PriceUpdate
      readonly seq?: number | undefined
      readonly timestamp: number
    }
  | {
      readonly type: 'portfolio_update'
      readonly data: PortfolioSnapshot
      readonly seq?: number | undefined
      readonly timestamp: number
    }
  | {
      readonly type: 'alert_triggered'
      readonly data: AlertEvent
      readonly seq?: number | undefined
      readonly timestamp: number
    }
  | {
      readonly type: 'feed_status'
      readonly data: FeedStatus
      readonly seq?: number | undefined
      readonly timestamp: number
    }
  | {
      readonly type: 'room_joined' | 'room_left'
      readonly room: string
      readonly timestamp: number
    }
  | { readonly type: 'pong'; readonly timestamp: number }
  | { readonly type: 'error'; readonly data: WireError; readonly timestamp: number }

const FIXED_ROOMS: ReadonlySet<string> = new Set(
  ROOM_FAMILIES.filter((family) => !family.perSymbol).map((family) => family.kind),
)
const SYMBOL_ROOMS: ReadonlySet<string> = new Set(
  ROOM_FAMILIES.filter((family) => family.perSymbol).map((family) => family.kind),
)
const ROOM_SYMBOL = /^[A-Za-z0-9]{1,20}$/

/** Parses a room name; `undefined` when it is not one of the contract's rooms. */
export function parseRoom(name: string): Room | undefined {
  if (FIXED_ROOMS.has(name)) return { kind: name as RoomKind, name }
  const colon = name.indexOf(':')
  const kind = colon < 0 ? '' : name.slice(0, colon)
  if (SYMBOL_ROOMS.has(kind)) {
    // Tested before upper-casing, so 'prices:ſol' is not taken for 'prices:SOL'.
    const given = name.slice(colon + 1)
    if (ROOM_SYMBOL.test(given)) {
      const symbol = given.toUpperCase()
      return { kind: kind as RoomKind, symbol, name: `${kind}:${symbol}` }
    }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Encoding. Strings are built directly: one pass, numbers from the exact decimal text.

// The rooms of one event share its send time: the last one written is kept.
let lastIsoMs = Number.NaN
let lastIso = ''
const iso = (ms: number): string => {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString()
    lastIsoMs = ms
  }
  return lastIso
}
const str = (value: string): string => JSON.stringify(value)
const num = formatDecimal

function tail(options: FrameOptions): string {
  const seq = options.seq === undefined ? '' : `,"seq":${options.seq}`
  return `${seq},"timestamp":"${iso(options.sentAt)}"}`
}

/** The `data` object of a `price_update`, as JSON text. */
export function encodePriceData(update: PriceUpdate): string {
  return (
    `{"symbol":${str(update.symbol)},"price":${num(update.price)},` +
    `"change_24h":${num(update.change24h)},"change_percent_24h":${num(update.changePercent24h)},` +
    `"volume_24h":${num(update.volume24h)},"timestamp":"${iso(update.timestamp)}",` +
    `"source":${str(update.source)}}`
  )
}

/**
 * A whole server message around a `data` text made once (by a channel's `encodeData`), so one
 * data text serves several room streams, each with its own `seq`.
 */
export function encodeMessage(type: string, data: string, options: FrameOptions): string {
  return `{"type":"${type}","data":${data}${tail(options)}`
}

/**
 * A whole `price_update` frame. Pass `data` from {@link encodePriceData} to reuse one data text
 * across several room streams (different `seq`).
 */
export function encodePriceUpdate(
  update: PriceUpdate,
  options: FrameOptions,
  data: string = encodePriceData(update),
): string {
  return encodeMessage('price_update', data, options)
}

function encodeHolding(holding: HoldingValue): string {
  let text =
    `{"symbol":${str(holding.symbol)},"amount":${num(holding.amount)},` +
    `"value":${num(holding.value)},"change_24h":${num(holding.change24h)}`
  if (holding.price !== undefined) text += `,"price":${num(holding.price)}`
  if (holding.allocationPercent !== undefined) {
    text += `,"allocation_percent":${num(holding.allocationPercent)}`
  }
  if (holding.unrealizedPnl !== undefined) text += `,"unrealized_pnl":${num(holding.unrealizedPnl)}`
  if (holding.stale !== undefined) text += `,"stale":${holding.stale}`
  return `${text}}`
}

const strList = (values: readonly string[]): string => `[${values.map(str).join(',')}]`

/** The `data` object of a `portfolio_update`; optional snapshot fields only when present. */
export function encodePortfolioData(snapshot: PortfolioSnapshot): string {
  let data =
    `{"total_value":${num(snapshot.totalValue)},"total_change_24h":${num(snapshot.totalChange24h)},` +
    `"total_change_percent_24h":${num(snapshot.totalChangePercent24h)},` +
    `"holdings":[${snapshot.holdings.map(encodeHolding).join(',')}]`
  if (snapshot.missing !== undefined) data += `,"missing":${strList(snapshot.missing)}`
  if (snapshot.stale !== undefined) data += `,"stale":${strList(snapshot.stale)}`
  return `${data}}`
}

/** A `portfolio_update` frame. */
export function encodePortfolioUpdate(snapshot: PortfolioSnapshot, options: FrameOptions): string {
  return encodeMessage('portfolio_update', encodePortfolioData(snapshot), options)
}

/** The `data` object of an `alert_triggered`. */
export function encodeAlertData(alert: AlertEvent): string {
  return (
    `{"id":${str(alert.id)},"symbol":${str(alert.symbol)},"condition":${str(alert.condition)},` +
    `"message":${str(alert.message)},"price":${num(alert.price)},` +
    `"triggered_at":"${iso(alert.triggeredAt)}"}`
  )
}

/** An `alert_triggered` frame. */
export function encodeAlertTriggered(alert: AlertEvent, options: FrameOptions): string {
  return encodeMessage('alert_triggered', encodeAlertData(alert), options)
}

/** The `data` object of a `feed_status`; `reason` and `retry_in_ms` only when present. */
export function encodeFeedStatusData(status: FeedStatus): string {
  const reason = status.reason === undefined ? '' : `,"reason":${str(status.reason)}`
  const retry =
    status.retryInMs === undefined
      ? ''
      : `,"retry_in_ms":${Math.max(0, Math.round(status.retryInMs))}`
  return (
    `{"provider":${str(status.provider)},"state":${str(status.state)},` +
    `"symbols":${strList(status.symbols)}${reason}${retry}}`
  )
}

/** A `feed_status` frame. */
export function encodeFeedStatus(status: FeedStatus, options: FrameOptions): string {
  return encodeMessage('feed_status', encodeFeedStatusData(status), options)
}

/** `room_joined` or `room_left`. */
export function encodeRoomEvent(
  type: 'room_joined' | 'room_left',
  room: string,
  sentAt: number,
): string {
  return `{"type":"${type}","room":${str(room)},"timestamp":"${iso(sentAt)}"}`
}

export function encodePong(sentAt: number): string {
  return `{"type":"pong","timestamp":"${iso(sentAt)}"}`
}

export function encodeError(error: WireError, sentAt: number): string {
  return (
    `{"type":"error","data":{"code":${str(error.code)},"message":${str(error.message)}},` +
    `"timestamp":"${iso(sentAt)}"}`
  )
}

// ---------------------------------------------------------------------------------------------
// Decoding client messages: strict, typed errors, never throws.

const fail = <T>(code: WireErrorCode, message: string): DecodeResult<T> => ({
  ok: false,
  error: { code, message },
})

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const CLIENT_EXAMPLE = 'e.g. {"type":"join_room","room":"prices"}'

const MAX_CLIENT_MESSAGE_LENGTH = 65_536

/** Decodes one client text frame. Unknown extra fields are ignored. */
export function decodeClientMessage(text: string): DecodeResult<ClientMessage> {
  // Client messages are a few dozen characters, and the server refuses frames over 4 KiB;
  // refusing huge text before JSON.parse keeps a caller without that limit safe from parse times
  // of many seconds (V8 needs ~17 s for 10 M nested brackets).
  if (text.length > MAX_CLIENT_MESSAGE_LENGTH) {
    return fail(
      'invalid_message',
      `message is ${text.length} characters; client messages are at most ${MAX_CLIENT_MESSAGE_LENGTH}, ${CLIENT_EXAMPLE}`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return fail('invalid_json', 'message is not valid JSON')
  }
  if (!isRecord(parsed)) {
    return fail('invalid_message', `message must be a JSON object, ${CLIENT_EXAMPLE}`)
  }
  const type = parsed['type']
  if (typeof type !== 'string') {
    return fail('invalid_message', `message needs a string "type", ${CLIENT_EXAMPLE}`)
  }
  if (type === 'ping') return { ok: true, value: { type: 'ping' } }
  if (type !== 'join_room' && type !== 'leave_room') {
    return fail(
      'unknown_type',
      `unknown message type ${str(type.slice(0, 40))}; use join_room, leave_room or ping`,
    )
  }
  const roomName = parsed['room']
  if (typeof roomName !== 'string' || roomName.length === 0) {
    return fail('invalid_message', `${type} needs a string "room", ${CLIENT_EXAMPLE}`)
  }
  const room = parseRoom(roomName)
  if (room === undefined) {
    return fail(
      'unknown_room',
      `unknown room ${str(roomName.slice(0, 40))}; rooms are ${ROOM_NAMES_TEXT}`,
    )
  }
  if (type === 'leave_room') return { ok: true, value: { type, room } }
  const since = parsed['since']
  if (since === undefined) return { ok: true, value: { type, room } }
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
    return fail('invalid_message', '"since" must be a non-negative integer seq, e.g. "since":41')
  }
  return { ok: true, value: { type, room, since } }
}

// ---------------------------------------------------------------------------------------------
// Decoding server messages (for clients written in TypeScript): exact decimals, never throws.

class Invalid extends Error {}

type Obj = Record<string, LosslessValue>

const need = (condition: boolean, what: string): void => {
  if (!condition) throw new Invalid(what)
}
const object = (value: LosslessValue | undefined, what: string): Obj => {
  need(
    typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      !(value instanceof JsonNumber),
    `${what} must be an object`,
  )
  return value as Obj
}
const decimal = (value: LosslessValue | undefined, what: string): Decimal => {
  need(value instanceof JsonNumber, `${what} must be a number`)
  // parseDecimal also refuses magnitudes that would be Infinity or never finish printing.
  const parsed = parseDecimal((value as JsonNumber).text)
  need(parsed !== undefined, `${what} is out of range`)
  return parsed as Decimal
}
const integer = (value: LosslessValue | undefined, what: string): number => {
  need(value instanceof JsonNumber && /^\d+$/.test(value.text), `${what} must be an integer`)
  const number = Number((value as JsonNumber).text)
  need(Number.isSafeInteger(number), `${what} is out of range`)
  return number
}
const positive = (value: LosslessValue | undefined, what: string): Decimal => {
  const parsed = decimal(value, what)
  need(parsed.isPositive() && !parsed.isZero(), `${what} must be greater than 0`)
  return parsed
}
const string = (value: LosslessValue | undefined, what: string): string => {
  need(typeof value === 'string', `${what} must be a string`)
  return value as string
}
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/
const time = (value: LosslessValue | undefined, what: string): number => {
  const text = string(value, what)
  const ms = Date.parse(text)
  need(ISO.test(text) && Number.isFinite(ms), `${what} must be an ISO 8601 UTC time`)
  return ms
}
const strings = (value: LosslessValue | undefined, what: string): string[] => {
  need(
    Array.isArray(value) && value.every((item) => typeof item === 'string'),
    `${what} must be a list of strings`,
  )
  return value as string[]
}
const optional = <T>(
  value: LosslessValue | undefined,
  read: (value: LosslessValue, what: string) => T,
  what: string,
): T | undefined => (value === undefined ? undefined : read(value, what))

const PROVIDER_CHOICES = `one of ${PROVIDERS.join(', ')}`

function decodePrice(data: Obj): PriceUpdate {
  const source = string(data['source'], 'data.source')
  need(isProviderName(source), `data.source must be ${PROVIDER_CHOICES}`)
  return {
    symbol: string(data['symbol'], 'data.symbol'),
    price: positive(data['price'], 'data.price'),
    change24h: decimal(data['change_24h'], 'data.change_24h'),
    changePercent24h: decimal(data['change_percent_24h'], 'data.change_percent_24h'),
    volume24h: decimal(data['volume_24h'], 'data.volume_24h'),
    timestamp: time(data['timestamp'], 'data.timestamp'),
    source: source as PriceUpdate['source'],
  }
}

function decodeHolding(value: LosslessValue): HoldingValue {
  const holding = object(value, 'holding')
  const stale = holding['stale']
  need(stale === undefined || typeof stale === 'boolean', 'holding.stale must be a boolean')
  return {
    symbol: string(holding['symbol'], 'holding.symbol'),
    amount: decimal(holding['amount'], 'holding.amount'),
    value: decimal(holding['value'], 'holding.value'),
    change24h: decimal(holding['change_24h'], 'holding.change_24h'),
    price: optional(holding['price'], decimal, 'holding.price'),
    allocationPercent: optional(
      holding['allocation_percent'],
      decimal,
      'holding.allocation_percent',
    ),
    unrealizedPnl: optional(holding['unrealized_pnl'], decimal, 'holding.unrealized_pnl'),
    stale: stale as boolean | undefined,
  }
}

function decodePortfolio(data: Obj): PortfolioSnapshot {
  const holdings = data['holdings']
  need(Array.isArray(holdings), 'data.holdings must be a list')
  return {
    totalValue: decimal(data['total_value'], 'data.total_value'),
    totalChange24h: decimal(data['total_change_24h'], 'data.total_change_24h'),
    totalChangePercent24h: decimal(
      data['total_change_percent_24h'],
      'data.total_change_percent_24h',
    ),
    holdings: (holdings as LosslessValue[]).map(decodeHolding),
    missing: optional(data['missing'], strings, 'data.missing'),
    stale: optional(data['stale'], strings, 'data.stale'),
  }
}

function decodeAlert(data: Obj): AlertEvent {
  return {
    id: string(data['id'], 'data.id'),
    symbol: string(data['symbol'], 'data.symbol'),
    condition: string(data['condition'], 'data.condition'),
    message: string(data['message'], 'data.message'),
    price: decimal(data['price'], 'data.price'),
    triggeredAt: time(data['triggered_at'], 'data.triggered_at'),
  }
}

function decodeFeedStatus(data: Obj): FeedStatus {
  const provider = string(data['provider'], 'data.provider')
  need(isProviderName(provider), `data.provider must be ${PROVIDER_CHOICES}`)
  const state = string(data['state'], 'data.state')
  need((FEED_STATES as readonly string[]).includes(state), 'data.state is not a feed state')
  return {
    provider: provider as FeedStatus['provider'],
    state: state as FeedState,
    symbols: strings(data['symbols'], 'data.symbols'),
    reason: optional(data['reason'], string, 'data.reason'),
    retryInMs: optional(data['retry_in_ms'], integer, 'data.retry_in_ms'),
  }
}

/**
 * Decodes a server frame with exact decimals (the wire's numbers never pass through a float).
 * Returns an `invalid_message` error value for anything that is not a contract message.
 */
export function decodeServerMessage(text: string): DecodeResult<ServerMessage> {
  const parsed = parseLosslessJson(text)
  if (parsed === undefined) return fail('invalid_json', 'message is not valid JSON')
  try {
    const message = object(parsed, 'message')
    const type = string(message['type'], 'type')
    const timestamp = time(message['timestamp'], 'timestamp')
    const seq = optional(message['seq'], integer, 'seq')
    switch (type) {
      case 'price_update':
        return {
          ok: true,
          value: { type, data: decodePrice(object(message['data'], 'data')), seq, timestamp },
        }
      case 'portfolio_update':
        return {
          ok: true,
          value: { type, data: decodePortfolio(object(message['data'], 'data')), seq, timestamp },
        }
      case 'alert_triggered':
        return {
          ok: true,
          value: { type, data: decodeAlert(object(message['data'], 'data')), seq, timestamp },
        }
      case 'feed_status':
        return {
          ok: true,
          value: { type, data: decodeFeedStatus(object(message['data'], 'data')), seq, timestamp },
        }
      case 'room_joined':
      case 'room_left':
        return { ok: true, value: { type, room: string(message['room'], 'room'), timestamp } }
      case 'pong':
        return { ok: true, value: { type, timestamp } }
      case 'error': {
        const data = object(message['data'], 'data')
        return {
          ok: true,
          value: {
            type,
            data: {
              code: string(data['code'], 'data.code') as WireErrorCode,
              message: string(data['message'], 'data.message'),
            },
            timestamp,
          },
        }
      }
      default:
        return fail('unknown_type', `unknown server message type ${str(type.slice(0, 40))}`)
    }
  } catch (error) {
    if (error instanceof Invalid) return fail('invalid_message', error.message)
    throw error
  }
}

/** Encodes any decoded server message back to its frame (the inverse of `decodeServerMessage`). */
export function encodeServerMessage(message: ServerMessage): string {
  switch (message.type) {
    case 'price_update':
      return encodePriceUpdate(message.data, { seq: message.seq, sentAt: message.timestamp })
    case 'portfolio_update':
      return encodePortfolioUpdate(message.data, { seq: message.seq, sentAt: message.timestamp })
    case 'alert_triggered':
      return encodeAlertTriggered(message.data, { seq: message.seq, sentAt: message.timestamp })
    case 'feed_status':
      return encodeFeedStatus(message.data, { seq: message.seq, sentAt: message.timestamp })
    case 'room_joined':
    case 'room_left':
      return encodeRoomEvent(message.type, message.room, message.timestamp)
    case 'pong':
      return encodePong(message.timestamp)
    case 'error':
      return encodeError(message.data, message.timestamp)
  }
}
