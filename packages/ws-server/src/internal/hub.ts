import { Socket } from 'node:net'
import {
  channelMessage,
  decodeClientMessage,
  encodeError,
  encodeMessage,
  encodePong,
  encodeRoomEvent,
} from '@crypto-analyzer/core-events'
import type {
  AnyStreamEvent,
  Room as RoomName,
  TimerHandle,
  WireErrorCode,
} from '@crypto-analyzer/core-events'
import type { WebSocket } from 'ws'
import type { CloseReason, WsServerStats } from '../types.js'
import { KIND_CONTROL, KIND_NAMES, makeEntry, payloadOf } from './frame.js'
import type { Entry } from './frame.js'
import type { ResolvedOptions } from './options.js'
import { RateLimiter } from './rate-limiter.js'
import type { RateVerdict } from './rate-limiter.js'
import { Room, roomSpecs } from './room.js'
import type { Member } from './room.js'

const OPEN = 1

const CLOSE_CODES: Record<CloseReason, number> = {
  shutdown: 1001,
  rate_limited: 1008,
  message_too_big: 1009,
  heartbeat_timeout: 1006,
  hard_limit: 1013,
  stuck: 1013,
}

const CLOSE_TEXT: Record<CloseReason, string> = {
  shutdown: 'server shutting down',
  rate_limited: 'too many messages',
  message_too_big: 'message too big',
  heartbeat_timeout: 'no pong',
  hard_limit: 'client too slow',
  stuck: 'client too slow',
}

const CLOSE_REASONS = Object.keys(CLOSE_CODES) as CloseReason[]

export const WIRE_ERROR_CODES: readonly WireErrorCode[] = [
  'invalid_json',
  'invalid_message',
  'unknown_type',
  'unknown_room',
  'too_many_rooms',
  'rate_limited',
]

/** Plain numbers, bumped on hot paths; `/metrics` and `stats()` read them. */
export interface Counters {
  messagesIn: number
  /** Indexed by {@link Kind}. */
  readonly out: number[]
  conflated: number
  dropped: number
  /** Client messages ignored while over the rate limit. */
  rateDropped: number
  /** Bus events that could not be encoded. */
  encodeErrors: number
  maxBuffered: number
  accepted: number
  readonly closed: Record<CloseReason, number>
  readonly wireErrors: Record<WireErrorCode, number>
  readonly rejected: Record<string, number>
}

/** Receives every bus event the rooms sent, with the send time (the latency histograms). */
export type SentObserver = (event: AnyStreamEvent, sentAt: number) => void

/** What the backpressure sweep does with a lagging connection: nothing yet, flush it, or cut it. */
export type LagVerdict = 'lagging' | 'drained' | 'hard_limit' | 'stuck'

/**
 * One client connection: its rooms, rate limiter, and the slow-consumer state. Thousands of idle
 * clients are the normal case, so a connection holds no closure, timer or promise of its own
 * (the hub's listeners and sweeps find it through {@link Hub.connectionOf}). Its state changes
 * only through its methods, each named for the event that causes it; the hub decides when.
 */
export class Connection implements Member {
  private readonly joined: Set<Room> = new Set<Room>()
  private readonly limiter: RateLimiter
  readonly ip: string
  /** A pong came since the last ping. */
  private alive = true
  /** Above the soft limit: room messages wait in `pending`, newest per key. */
  private lagging = false
  private laggingSince = 0
  private overHardSince: number | undefined
  private isClosing = false
  private pending: Map<Room, Map<string, Entry>> | undefined
  private terminateTimer: TimerHandle
  private corked = false
  private lastWriteTick = -1
  /**
   * The TCP socket under `ws`, when frames may be written to it directly: ws writes its own
   * frames to it synchronously (no compression negotiated, nothing queued), so writing prepared
   * frames there keeps one order for everything sent.
   */
  private readonly socket: Socket | undefined

  constructor(
    readonly ws: WebSocket,
    private readonly hub: Hub,
  ) {
    const options = hub.options
    this.limiter = new RateLimiter(options.rateMessages, options.rateWindow, options.rateGrace)
    const socket = (ws as unknown as { _socket?: unknown })._socket
    this.ip = socket instanceof Socket ? (socket.remoteAddress ?? 'unknown') : 'unknown'
    this.socket =
      options.preparedFrames && socket instanceof Socket && ws.extensions === ''
        ? socket
        : undefined
  }

  /** The server decided to close it (or it is closed): nothing more is sent. */
  get closing(): boolean {
    return this.isClosing
  }

  get rooms(): ReadonlySet<Room> {
    return this.joined
  }

  deliver(room: Room, entry: Entry): void {
    if (this.isClosing) return
    if (this.lagging) {
      this.defer(room, entry)
      return
    }
    const buffered = this.ws.bufferedAmount
    const counters = this.hub.counters
    if (buffered > counters.maxBuffered) counters.maxBuffered = buffered
    if (buffered > this.hub.options.softLimit) {
      this.startLagging()
      this.defer(room, entry)
      return
    }
    this.write(entry)
  }

  private write(entry: Entry): void {
    if (this.ws.readyState !== OPEN) return
    const socket = this.socket
    if (socket === undefined) {
      this.ws.send(payloadOf(entry), { binary: false })
    } else {
      if (socket.destroyed) return
      const hub = this.hub
      if (this.lastWriteTick !== hub.tick) {
        // The first frame of a tick leaves at once.
        this.lastWriteTick = hub.tick
        hub.wrote()
      } else if (!this.corked) {
        // More frames in the same tick (a feed publishing several symbols at once, a snapshot):
        // they leave together in one syscall when the tick's work is done.
        socket.cork()
        this.corked = true
        hub.corked(this)
      }
      socket.write(entry.frame)
    }
    ;(this.hub.counters.out[entry.kind] as number)++
  }

  /** The tick that corked its socket ended: what it wrote leaves now. */
  uncork(): void {
    this.corked = false
    this.socket?.uncork()
  }

  /** A direct answer (room event, pong, error); dropped while above the hard limit. */
  reply(text: string): void {
    if (this.isClosing || this.ws.readyState !== OPEN) return
    const { counters, options } = this.hub
    if (this.ws.bufferedAmount > options.hardLimit) {
      counters.dropped++
      return
    }
    this.ws.send(text)
    ;(counters.out[KIND_CONTROL] as number)++
    const buffered = this.ws.bufferedAmount
    if (buffered > counters.maxBuffered) counters.maxBuffered = buffered
    if (!this.lagging && buffered > options.softLimit) this.startLagging()
  }

  /** What the rate rule says about a client message that arrived at `now`. */
  admit(now: number): RateVerdict {
    return this.limiter.hit(now)
  }

  join(room: Room): void {
    this.joined.add(room)
    room.members.add(this)
  }

  /** Leaves a room, forgetting what of it waited to be sent. */
  leave(room: Room): void {
    this.joined.delete(room)
    room.members.delete(this)
    this.pending?.delete(room)
  }

  /** Its buffer went above the soft limit: defer room messages until the sweep sees it drain. */
  private startLagging(): void {
    this.lagging = true
    this.laggingSince = this.hub.options.clock.now()
    this.hub.watchLagging(this)
  }

  private defer(room: Room, entry: Entry): void {
    const pending = (this.pending ??= new Map<Room, Map<string, Entry>>())
    let queue = pending.get(room)
    if (queue === undefined) {
      queue = new Map()
      pending.set(room, queue)
    }
    const counters = this.hub.counters
    if (queue.delete(entry.key)) {
      counters.conflated++
    } else if (queue.size >= this.hub.maxPending) {
      const oldest = queue.keys().next()
      if (oldest.done !== true) queue.delete(oldest.value)
      counters.dropped++
    }
    queue.set(entry.key, entry)
  }

  /**
   * The backpressure sweep's look at it with `buffered` bytes queued: drained to half the soft
   * limit, still lagging, above the hard limit for longer than the grace, or lagging too long.
   */
  checkLag(now: number, buffered: number): LagVerdict {
    const { softLimit, hardLimit, hardLimitGrace, stuckTimeout } = this.hub.options
    if (buffered > hardLimit) {
      this.overHardSince ??= now
      if (now - this.overHardSince >= hardLimitGrace) return 'hard_limit'
    } else {
      this.overHardSince = undefined
    }
    if (buffered <= softLimit / 2) return 'drained'
    return now - this.laggingSince >= stuckTimeout ? 'stuck' : 'lagging'
  }

  /** Sends what waited while lagging, room by room in seq order; stops deferring. */
  flush(): void {
    const pending = this.pending
    this.pending = undefined
    this.lagging = false
    this.overHardSince = undefined
    if (pending === undefined) return
    for (const [room, queue] of pending) {
      if (!this.joined.has(room)) continue
      for (const entry of queue.values()) this.deliver(room, entry)
    }
  }

  /** The pong listener saw an answer to the last ping. */
  markAlive(): void {
    this.alive = true
  }

  /** The last ping went unanswered for a whole heartbeat interval. */
  missedPong(): boolean {
    return !this.alive
  }

  /** Pings it; it is alive again once the pong comes. */
  ping(): void {
    this.alive = false
    this.ws.ping()
  }

  /**
   * Stops sending to it and leaves every room, dropping what waited; false when that was
   * already done, so each close is handled (and counted) once.
   */
  beginClosing(): boolean {
    if (this.isClosing) return false
    this.isClosing = true
    for (const room of this.joined) room.members.delete(this)
    this.joined.clear()
    this.pending = undefined
    this.lagging = false
    return true
  }

  /** Cuts the socket unless it closes within `ms` (the one timer, set only while closing). */
  terminateAfter(ms: number): void {
    if (this.terminateTimer !== undefined) return
    this.terminateTimer = this.hub.options.clock.setTimeout(() => {
      this.terminateTimer = undefined
      this.ws.terminate()
    }, ms)
  }

  /** The socket closed: it needs no cutting any more. */
  cancelTerminate(): void {
    if (this.terminateTimer === undefined) return
    this.hub.options.clock.clearTimeout(this.terminateTimer)
    this.terminateTimer = undefined
  }
}

/**
 * The fan-out core: rooms fed from bus events, connections, rate and backpressure rules, the
 * heartbeat. Every frame is built once per room message; a broadcast is one write per member.
 */
export class Hub {
  readonly counters: Counters = {
    messagesIn: 0,
    out: KIND_NAMES.map(() => 0),
    conflated: 0,
    dropped: 0,
    rateDropped: 0,
    encodeErrors: 0,
    maxBuffered: 0,
    accepted: 0,
    closed: Object.fromEntries(CLOSE_REASONS.map((reason) => [reason, 0])) as Record<
      CloseReason,
      number
    >,
    wireErrors: Object.fromEntries(WIRE_ERROR_CODES.map((code) => [code, 0])) as Record<
      WireErrorCode,
      number
    >,
    rejected: {},
  }
  readonly connections: Set<Connection> = new Set<Connection>()
  private readonly byWs = new WeakMap<object, Connection>()
  /** Resolves `shutdown()` once the last connection is gone. */
  private drained: (() => void) | undefined
  /** The one `pong` listener of every socket (`this` is the socket). */
  private readonly onPong: (this: WebSocket) => void
  readonly lagging: Set<Connection> = new Set<Connection>()
  /** Every room of this server by wire name, fixed ones first (see {@link roomSpecs}). */
  readonly rooms: ReadonlyMap<string, Room>
  /** Most messages one lagging client keeps per room (one per symbol is the usual need). */
  readonly maxPending: number
  /** When the last price update was sent, for `/health` without a feed source. */
  lastPriceAt: number | undefined
  closing = false
  sentObserver: SentObserver | undefined
  private backpressureTimer: TimerHandle
  private heartbeatTimer: TimerHandle
  /** Counts ticks in which frames were written; see {@link Connection.write}. */
  tick = 0
  private tickEnding = false
  private readonly toUncork: Connection[] = []
  private readonly endTick = (): void => {
    this.tickEnding = false
    this.tick++
    for (const connection of this.toUncork) connection.uncork()
    this.toUncork.length = 0
  }

  constructor(readonly options: ResolvedOptions) {
    this.rooms = new Map(roomSpecs(options).map((spec) => [spec.name, new Room(spec)]))
    this.maxPending = Math.max(256, options.symbols.length * 2)
    const byWs = this.byWs
    this.onPong = function (this: WebSocket): void {
      byWs.get(this)?.markAlive()
    }
    if (options.heartbeatInterval > 0) {
      this.heartbeatTimer = options.clock.setInterval(() => {
        this.heartbeat()
      }, options.heartbeatInterval)
    }
  }

  /** The room of a wire room name (`prices`, `prices:BTC`, ...), if this server has it. */
  room(name: string): Room | undefined {
    return this.rooms.get(name)
  }

  // ------------------------------------------------------------------------------------------
  // Bus events → room messages

  handleEvent(event: AnyStreamEvent): void {
    this.publish(event, false)
  }

  /**
   * Publishes an event only to its rooms whose latest state has nothing under its key yet: what a
   * server started after the feeds fills in (a provider whose status the bus no longer holds).
   */
  fillIn(event: AnyStreamEvent): void {
    this.publish(event, true)
  }

  /**
   * One room message per route of the event's channel message, each with its room's next seq
   * around the one data text; a route to a room this server does not have (a symbol it does not
   * stream) is skipped. An event whose data breaks its type is counted and skipped.
   */
  private publish(event: AnyStreamEvent, onlyNewKeys: boolean): void {
    try {
      const message = channelMessage(event)
      if (message === undefined) return
      const sentAt = this.options.clock.now()
      for (const route of message.routes) {
        const room = this.rooms.get(route.room)
        if (room === undefined) continue
        if (onlyNewKeys && route.key !== undefined && room.hasLatest(route.key)) continue
        const seq = room.seq + 1
        const text = encodeMessage(message.type, message.data, { seq, sentAt })
        room.publish(makeEntry(seq, text, route.key ?? String(seq), room.kind))
      }
      if (message.channel === 'price') this.lastPriceAt = sentAt
      this.sentObserver?.(event, sentAt)
    } catch (error) {
      this.counters.encodeErrors++
      this.options.logger.debug(
        { err: error, eventId: event.id, eventType: event.type },
        'ws-server could not encode an event; skipped it',
      )
    }
  }

  // ------------------------------------------------------------------------------------------
  // Connections

  open(ws: WebSocket): Connection {
    const connection = new Connection(ws, this)
    this.connections.add(connection)
    this.byWs.set(ws, connection)
    this.counters.accepted++
    ws.on('pong', this.onPong)
    if (this.closing) this.kill(connection, 'shutdown')
    return connection
  }

  /** The open connection of a socket given to {@link open}, until it is {@link closed}. */
  connectionOf(ws: unknown): Connection | undefined {
    return typeof ws === 'object' && ws !== null ? this.byWs.get(ws) : undefined
  }

  /** The socket is closed (by either side): forget the connection. */
  closed(connection: Connection): void {
    connection.cancelTerminate()
    this.stopSending(connection)
    this.connections.delete(connection)
    this.byWs.delete(connection.ws)
    if (this.connections.size === 0) this.drained?.()
  }

  /** ws closed the connection itself (1009 for an oversized frame) or the socket failed. */
  failed(connection: Connection, error: unknown): void {
    const code = (error as { code?: unknown } | undefined)?.code
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && !connection.closing) {
      this.counters.closed.message_too_big++
    }
    this.options.logger.debug({ err: error, ip: connection.ip }, 'ws-server client socket error')
    if (!this.stopSending(connection)) return
    connection.terminateAfter(this.options.closeTimeout)
  }

  /** The connection leaves its rooms and the lagging sweep; false if it was already closing. */
  private stopSending(connection: Connection): boolean {
    if (!connection.beginClosing()) return false
    this.lagging.delete(connection)
    return true
  }

  /** Closes a connection for a reason, then cuts it if the peer does not finish the handshake. */
  kill(connection: Connection, reason: CloseReason): void {
    if (!this.stopSending(connection)) return
    this.counters.closed[reason]++
    this.options.logger.debug({ ip: connection.ip, reason }, 'ws-server closing a client')
    if (reason === 'heartbeat_timeout') {
      connection.ws.terminate()
      return
    }
    try {
      connection.ws.close(CLOSE_CODES[reason], CLOSE_TEXT[reason])
    } catch (error) {
      this.options.logger.debug({ err: error }, 'ws-server close failed; cutting the socket')
    }
    connection.terminateAfter(this.options.closeTimeout)
  }

  // ------------------------------------------------------------------------------------------
  // Client messages

  message(connection: Connection, data: unknown): void {
    this.counters.messagesIn++
    if (connection.closing) return
    const options = this.options
    const verdict = connection.admit(options.clock.now())
    if (verdict === 'warn') {
      this.sendError(
        connection,
        'rate_limited',
        `more than ${options.rateMessages} messages in ${options.rateWindow / 1000} s; slow down or the connection is closed`,
      )
      this.counters.rateDropped++
      return
    }
    if (verdict === 'drop') {
      this.counters.rateDropped++
      return
    }
    if (verdict === 'close') {
      this.kill(connection, 'rate_limited')
      return
    }
    if (typeof data !== 'string') {
      this.sendError(
        connection,
        'invalid_message',
        'binary frames are not supported; send JSON text, e.g. {"type":"ping"}',
      )
      return
    }
    const decoded = decodeClientMessage(data)
    if (!decoded.ok) {
      this.sendError(connection, decoded.error.code, decoded.error.message)
      return
    }
    const message = decoded.value
    switch (message.type) {
      case 'ping':
        connection.reply(encodePong(options.clock.now()))
        break
      case 'join_room':
        this.join(connection, message.room, message.since)
        break
      case 'leave_room':
        this.leave(connection, message.room)
        break
    }
  }

  private sendError(connection: Connection, code: WireErrorCode, message: string): void {
    this.counters.wireErrors[code]++
    connection.reply(encodeError({ code, message }, this.options.clock.now()))
  }

  private unknownRoom(connection: Connection, name: RoomName): void {
    this.sendError(
      connection,
      'unknown_room',
      `this server does not stream ${name.symbol ?? name.name}; streamed symbols: ${this.options.symbols.join(', ') || 'none'}`,
    )
  }

  private join(connection: Connection, name: RoomName, since: number | undefined): void {
    const room = this.rooms.get(name.name)
    if (room === undefined) {
      this.unknownRoom(connection, name)
      return
    }
    if (!connection.rooms.has(room) && connection.rooms.size >= this.options.maxRooms) {
      this.sendError(
        connection,
        'too_many_rooms',
        `a client may be in at most ${this.options.maxRooms} rooms; leave one first`,
      )
      return
    }
    connection.join(room)
    connection.reply(encodeRoomEvent('room_joined', room.name, this.options.clock.now()))
    const entries = (since === undefined ? undefined : room.replay(since)) ?? room.snapshot()
    for (const entry of entries) connection.deliver(room, entry)
  }

  private leave(connection: Connection, name: RoomName): void {
    const room = this.rooms.get(name.name)
    if (room === undefined) {
      this.unknownRoom(connection, name)
      return
    }
    connection.leave(room)
    connection.reply(encodeRoomEvent('room_left', room.name, this.options.clock.now()))
  }

  // ------------------------------------------------------------------------------------------
  // Backpressure and heartbeat

  /** A frame was written in this tick: end the tick once the current work is done. */
  wrote(): void {
    if (this.tickEnding) return
    this.tickEnding = true
    process.nextTick(this.endTick)
  }

  /** Remembers a socket corked in this tick, to uncork when the tick ends. */
  corked(connection: Connection): void {
    this.toUncork.push(connection)
  }

  /** A connection went above the soft limit: the backpressure sweep watches it until it drains. */
  watchLagging(connection: Connection): void {
    this.lagging.add(connection)
    if (this.backpressureTimer === undefined && !this.closing) {
      this.backpressureTimer = this.options.clock.setInterval(() => {
        this.checkLagging()
      }, this.options.backpressureInterval)
    }
  }

  /** Flushes clients that drained, cuts clients that stay above the hard limit or never drain. */
  checkLagging(): void {
    const now = this.options.clock.now()
    for (const connection of [...this.lagging]) {
      if (connection.closing) {
        this.lagging.delete(connection)
        continue
      }
      const buffered = connection.ws.bufferedAmount
      if (buffered > this.counters.maxBuffered) this.counters.maxBuffered = buffered
      const verdict = connection.checkLag(now, buffered)
      if (verdict === 'drained') {
        this.lagging.delete(connection)
        connection.flush()
      } else if (verdict !== 'lagging') {
        this.kill(connection, verdict)
      }
    }
    this.stopBackpressureTimerIfIdle()
  }

  private stopBackpressureTimerIfIdle(): void {
    if (this.lagging.size === 0 && this.backpressureTimer !== undefined) {
      this.options.clock.clearInterval(this.backpressureTimer)
      this.backpressureTimer = undefined
    }
  }

  private heartbeat(): void {
    for (const connection of this.connections) {
      if (connection.closing) continue
      if (connection.missedPong()) {
        this.kill(connection, 'heartbeat_timeout')
        continue
      }
      try {
        connection.ping()
      } catch (error) {
        this.options.logger.debug({ err: error }, 'ws-server ping failed')
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Shutdown and stats

  /** Sends 1001 to every client and resolves when all are gone (cut after `shutdownTimeout`). */
  async shutdown(): Promise<void> {
    this.closing = true
    const { clock } = this.options
    if (this.heartbeatTimer !== undefined) clock.clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = undefined
    if (this.backpressureTimer !== undefined) clock.clearInterval(this.backpressureTimer)
    this.backpressureTimer = undefined
    for (const connection of [...this.connections]) this.kill(connection, 'shutdown')
    if (this.connections.size === 0) return
    const cut = clock.setTimeout(() => {
      for (const connection of this.connections) connection.ws.terminate()
    }, this.options.shutdownTimeout)
    // A client that connects meanwhile is closed at once (see open()) and waited for as well.
    await new Promise<void>((resolve) => {
      this.drained = resolve
    })
    this.drained = undefined
    clock.clearTimeout(cut)
  }

  stats(): WsServerStats {
    const rooms: Record<string, number> = {}
    for (const room of this.rooms.values()) {
      if (room.members.size > 0) rooms[room.name] = room.members.size
    }
    let bufferedBytes = 0
    let clients = 0
    for (const connection of this.connections) {
      bufferedBytes += connection.ws.bufferedAmount
      if (!connection.closing) clients++
    }
    const counters = this.counters
    return {
      clients,
      rooms,
      messagesIn: counters.messagesIn,
      messagesOut: counters.out.reduce((sum, value) => sum + value, 0),
      conflated: counters.conflated,
      dropped: counters.dropped,
      laggingClients: this.lagging.size,
      bufferedBytes,
      maxBufferedBytes: counters.maxBuffered,
      closed: { ...counters.closed },
      rejected: { ...counters.rejected },
    }
  }
}
