import { isUtf8 } from 'node:buffer'
import type { Clock, Logger } from '@crypto-analyzer/core-events'
import WebSocket from 'ws'
import type { RawData } from 'ws'
import type { StateChangeReason, StreamState } from '../types.js'
import { computeBackoff } from './backoff.js'
import type { ConnectionSettings } from './config.js'
import { SlidingWindowLimiter } from './rate-limiter.js'
import type { StreamEntry } from './stream-entry.js'
import { TimerSet } from './timers.js'

/** What a connection needs from its manager. */
export interface ConnectionHost {
  readonly clock: Clock
  readonly logger: Logger
  readonly random: () => number
  readonly closeTimeout: number
  /** Hands one decoded inbound frame to every stream of `streams`. */
  deliver(streams: readonly StreamEntry[], data: string, bytes: number, receivedAt: number): void
  transition(
    entry: StreamEntry,
    state: StreamState,
    reason: string,
    code: StateChangeReason,
    attempt: number,
    retryInMs?: number,
  ): void
}

interface Outgoing {
  /** undefined: a frame of the connection itself (onClose of a removed stream): always sent. */
  readonly entry: StreamEntry | undefined
  readonly frame: string
}

type Control = { readonly kind: 'ping' } | { readonly kind: 'pong'; readonly data: Buffer }

type LossKind = 'failure' | 'proactive'

/** Timers that live only while a socket is open. */
const LIVE_TIMERS = [
  'connect',
  'ping',
  'pong',
  'keepalive',
  'stale',
  'age',
  'healthy',
  'drain',
] as const
type TimerName = (typeof LIVE_TIMERS)[number] | 'retry'

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message
  }
  return String(error)
}

function toBuffer(data: RawData): Buffer {
  // binaryType is 'nodebuffer', so ws hands over one Buffer (fragments already joined, no copy
  // for single-frame messages); the other shapes are only handled for type completeness.
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}

/**
 * One upstream socket and its life: connect, heartbeat, stale/age checks, backoff, the outgoing
 * rate limiter and queue. Pooled streams share one; every other stream has its own.
 */
export class Connection {
  /** Replaced on change, never mutated, so deliver loops stay valid while handlers add/remove. */
  streams: readonly StreamEntry[] = []
  state: StreamState = 'idle'
  attempt = 0

  private socket: WebSocket | undefined
  private open = false
  private connectsStarted = 0
  private readonly retiring = new Map<WebSocket, Promise<void>>()
  private transitionSeq = 0

  private readonly timers: TimerSet<TimerName>

  private framesIn = 0
  private lastDataAt = 0
  private dataSeen = false
  private healthyReached = false
  private pingSentAt: number | undefined
  private lastError: string | undefined

  private readonly limiter: SlidingWindowLimiter
  private control: Control[] = []
  private opening: Outgoing[] = []
  private openingHead = 0
  private queue: Outgoing[] = []
  private queueHead = 0

  constructor(
    readonly settings: ConnectionSettings,
    readonly poolKey: string | undefined,
    private readonly host: ConnectionHost,
  ) {
    this.limiter = new SlidingWindowLimiter(settings.rateLimit)
    this.timers = new TimerSet<TimerName>(host.clock)
  }

  get pending(): number {
    return (
      this.control.length +
      this.opening.length -
      this.openingHead +
      this.queue.length -
      this.queueHead
    )
  }

  /** Attaches a stream; on a live connection it catches up (state, onOpen frames) at once. */
  add(entry: StreamEntry): void {
    this.streams = [...this.streams, entry]
    entry.connection = this
    entry.latencyMs = undefined
    if (this.state === 'idle' || this.state === 'stopped') return
    if (this.state === 'connected' || this.state === 'stale') {
      this.queueOpenFrames([entry])
      this.host.transition(entry, 'connecting', 'joining a pooled connection', 'start', 0)
      this.host.transition(entry, this.state, 'joined an open pooled connection', 'open', 0)
      this.drain()
    } else {
      this.host.transition(
        entry,
        this.state,
        `joined a ${this.state} pooled connection`,
        'start',
        this.attempt,
      )
    }
  }

  /**
   * Detaches a stream. Others left: its onClose frames go out on the shared socket. None left: the
   * socket is closed; the promise settles when it is.
   */
  remove(entry: StreamEntry): Promise<void> {
    this.streams = this.streams.filter((s) => s !== entry)
    entry.connection = undefined
    entry.queued = 0
    if (this.streams.length > 0) {
      if (this.open) {
        for (const frame of this.callFrames(entry, 'onClose')) {
          this.queue.push({ entry: undefined, frame })
        }
        this.drain()
      }
      return Promise.resolve()
    }
    return this.shutdown('stopped: last stream removed', 'removed')
  }

  start(): void {
    if (this.state === 'idle' || this.state === 'stopped') this.connect('start', 'start()')
  }

  /** Reconnect without waiting for backoff; revives a failed connection with a fresh attempt count. */
  reconnectNow(reason: string): void {
    const text = `reconnect requested: ${reason}`
    switch (this.state) {
      case 'connected':
      case 'stale':
      case 'connecting':
        this.lose(text, 'manual', 'proactive')
        return
      case 'reconnecting':
        this.connect('manual', text)
        return
      case 'failed':
        this.attempt = 0
        this.connect('manual', text)
        return
      case 'idle':
      case 'stopped':
        return
    }
  }

  /** Queues (or sends at once) one frame of `entry`. False when its queue is full. */
  send(entry: StreamEntry, frame: string): boolean {
    const ws = this.socket
    if (
      ws !== undefined &&
      this.open &&
      !this.timers.has('drain') &&
      this.pending === 0 &&
      this.limiter.tryTake(this.host.clock.now())
    ) {
      ws.send(frame)
      entry.messagesSent++
      return true
    }
    if (entry.queued >= entry.config.bufferSize) return false
    this.queue.push({ entry, frame })
    entry.queued++
    this.drain()
    return true
  }

  /** Closes everything for good (until `start()`); resolves when every socket is closed. */
  shutdown(reason: string, code: 'stop' | 'removed'): Promise<void> {
    const ws = this.socket
    this.socket = undefined
    this.open = false
    this.timers.clearAll()
    this.control = []
    this.opening = []
    this.openingHead = 0
    this.queue = []
    this.queueHead = 0
    for (const entry of this.streams) entry.queued = 0
    if (ws !== undefined) void this.retire(ws, true)
    const closing = [...this.retiring.values()]
    this.setState('stopped', reason, code, 0)
    return Promise.all(closing).then(() => undefined)
  }

  private setState(
    state: StreamState,
    reason: string,
    code: StateChangeReason,
    attempt: number,
    retryInMs?: number,
  ): void {
    this.state = state
    const seq = ++this.transitionSeq
    for (const entry of this.streams) {
      // A handler that changed course (reconnect, stop) made this news stale for the rest.
      if (this.transitionSeq !== seq) return
      if (entry.removed) continue
      this.host.transition(entry, state, reason, code, attempt, retryInMs)
    }
  }

  private connect(code: StateChangeReason, reason: string): void {
    this.timers.clear('retry')
    if (this.connectsStarted > 0) for (const entry of this.streams) entry.reconnects++
    this.connectsStarted++
    const { settings } = this
    let ws: WebSocket
    try {
      ws = new WebSocket(settings.url, {
        headers: { ...settings.headers },
        maxPayload: settings.hardMaxMessageSize,
        // Checked per frame below, so a bad frame is dropped instead of closing the socket (1007).
        skipUTF8Validation: true,
        // Answered by hand so pongs pass the rate limiter: Binance counts them as messages.
        autoPong: false,
        perMessageDeflate: settings.perMessageDeflate,
        followRedirects: false,
      })
    } catch (error) {
      // e.g. a header value ws rejects only at request time; treated like a refused connection.
      const text = `connect failed: ${errorText(error)}`
      this.setState('connecting', reason, code, this.attempt)
      if (this.state === 'connecting' && this.socket === undefined && !this.timers.has('retry')) {
        this.lose(text, 'connect-error', 'failure')
      }
      return
    }
    this.socket = ws
    this.open = false
    this.lastError = undefined
    ws.on('open', () => {
      this.handleOpen(ws)
    })
    ws.on('message', (data, isBinary) => {
      if (ws === this.socket) this.handleFrame(data, isBinary)
    })
    ws.on('ping', (data) => {
      if (ws !== this.socket) return
      this.framesIn++
      this.control.push({ kind: 'pong', data })
      this.drain()
    })
    ws.on('pong', () => {
      if (ws === this.socket) this.handlePong()
    })
    ws.on('error', (error) => {
      this.handleError(ws, error)
    })
    ws.on('close', (closeCode, closeReason) => {
      this.handleClose(ws, closeCode, closeReason)
    })
    this.timers.timeout('connect', settings.connectTimeout, () => {
      if (ws !== this.socket || this.open) return
      this.lose(
        `no opening handshake within connectTimeout (${settings.connectTimeout} ms)`,
        'connect-timeout',
        'failure',
      )
    })
    this.setState('connecting', reason, code, this.attempt)
  }

  private handleOpen(ws: WebSocket): void {
    if (ws !== this.socket) return
    const { clock } = this.host
    const { settings } = this
    this.timers.clear('connect')
    const now = clock.now()
    this.open = true
    this.lastDataAt = now
    this.dataSeen = false
    this.healthyReached = false
    this.pingSentAt = undefined
    this.state = 'connected'
    // Every connect re-sends the subscriptions, ahead of anything queued while disconnected.
    this.queueOpenFrames(this.streams)

    if (settings.heartbeatInterval > 0) {
      this.timers.interval('ping', settings.heartbeatInterval, () => {
        if (!this.control.some((c) => c.kind === 'ping')) this.control.push({ kind: 'ping' })
        this.drain()
      })
    }
    if (settings.keepAliveInterval > 0) {
      this.timers.interval('keepalive', settings.keepAliveInterval, () => {
        // A frame of the connection, not of a stream: always sent, in turn with the queued ones.
        this.queue.push({ entry: undefined, frame: settings.keepAliveFrame })
        this.drain()
      })
    }
    if (settings.staleAfter > 0) this.scheduleStaleCheck(settings.staleAfter)
    if (settings.maxConnectionAge > 0) {
      this.timers.timeout('age', settings.maxConnectionAge, () => {
        this.lose(
          `connection reached maxConnectionAge (${settings.maxConnectionAge} ms)`,
          'max-connection-age',
          'proactive',
        )
      })
    }
    if (settings.healthyAfter > 0) {
      this.timers.timeout('healthy', settings.healthyAfter, () => {
        this.markHealthy()
      })
    } else {
      this.markHealthy()
    }
    this.setState('connected', `connected to ${settings.url}`, 'open', 0)
    this.drain()
  }

  private markHealthy(): void {
    this.healthyReached = true
    // With stale detection on, "healthy" also needs data: a feed that accepts the connection
    // but never sends anything must keep backing off rather than reconnect every staleAfter.
    if (this.settings.staleAfter === 0 || this.dataSeen) this.attempt = 0
  }

  private handleFrame(data: RawData, isBinary: boolean): void {
    this.framesIn++
    const buffer = toBuffer(data)
    const bytes = buffer.length
    if (bytes > this.settings.maxMessageSize) {
      for (const entry of this.streams) entry.droppedOversize++
      this.host.logger.debug(
        { url: this.settings.url, bytes, maxMessageSize: this.settings.maxMessageSize },
        'stream-manager: dropped oversize frame',
      )
      return
    }
    if (!isUtf8(buffer)) {
      for (const entry of this.streams) entry.droppedInvalidUtf8++
      this.host.logger.debug(
        { url: this.settings.url, bytes, binary: isBinary },
        'stream-manager: dropped frame that is not valid UTF-8',
      )
      return
    }
    const now = this.host.clock.now()
    this.lastDataAt = now
    if (!this.dataSeen) {
      this.dataSeen = true
      if (this.healthyReached) this.attempt = 0
    }
    this.host.deliver(this.streams, buffer.toString('utf8'), bytes, now)
  }

  private handlePong(): void {
    this.framesIn++
    const now = this.host.clock.now()
    const sentAt = this.pingSentAt
    this.pingSentAt = undefined
    for (const entry of this.streams) {
      entry.lastPongAt = now
      // An unsolicited pong says nothing about the round trip.
      if (sentAt !== undefined) entry.latencyMs = now - sentAt
    }
  }

  private handleError(ws: WebSocket, error: Error): void {
    if (ws !== this.socket) return
    this.lastError = errorText(error)
    const code = (error as { code?: unknown }).code
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      for (const entry of this.streams) entry.droppedOversize++
      this.lose(
        `frame larger than hardMaxMessageSize (${this.settings.hardMaxMessageSize} bytes): socket closed with 1009`,
        'message-too-big',
        'failure',
      )
      return
    }
    if (this.open) this.lose(`socket error: ${this.lastError}`, 'closed', 'failure')
    else this.lose(`connect failed: ${this.lastError}`, 'connect-error', 'failure')
  }

  private handleClose(ws: WebSocket, code: number, reason: Buffer): void {
    if (ws !== this.socket) return
    if (this.open) {
      const text = reason.length > 0 ? ` ${reason.toString('utf8')}` : ''
      this.lose(`closed by server: code ${code}${text}`, 'closed', 'failure')
    } else {
      this.lose(
        `connect failed: ${this.lastError ?? `closed with code ${code}`}`,
        'connect-error',
        'failure',
      )
    }
  }

  private scheduleStaleCheck(delay: number): void {
    this.timers.timeout('stale', delay, () => {
      this.checkStale()
    })
  }

  private checkStale(): void {
    const { staleAfter } = this.settings
    // Checked lazily rather than re-armed per frame: a timer reset per frame costs throughput.
    const idle = this.host.clock.now() - this.lastDataAt
    if (idle < staleAfter) {
      this.scheduleStaleCheck(staleAfter - idle)
      return
    }
    const reason = `no data for ${idle} ms (staleAfter ${staleAfter} ms)`
    const ws = this.socket
    this.setState('stale', reason, 'stale', this.attempt)
    if (this.socket === ws && this.state === 'stale') this.lose(reason, 'stale', 'failure')
  }

  /**
   * The socket is gone or to be replaced. A failure counts an attempt and backs off (or ends in
   * `failed`); a proactive reconnect (age, manual) goes again at once.
   */
  private lose(reason: string, code: StateChangeReason, kind: LossKind): void {
    const ws = this.socket
    this.socket = undefined
    this.open = false
    for (const name of LIVE_TIMERS) this.timers.clear(name)
    this.control = []
    this.opening = []
    this.openingHead = 0
    if (ws !== undefined) void this.retire(ws, kind === 'proactive')
    const { settings } = this
    let delay = 0
    if (kind === 'failure') {
      this.attempt++
      if (settings.reconnectAttempts > 0 && this.attempt > settings.reconnectAttempts) {
        this.setState(
          'failed',
          `${reason}; gave up after ${settings.reconnectAttempts} reconnect attempts`,
          'attempts-exhausted',
          this.attempt - 1,
        )
        return
      }
      delay = computeBackoff(
        this.attempt,
        settings.reconnectDelay,
        settings.maxReconnectDelay,
        this.host.random,
      )
    }
    const attempt = this.attempt
    this.timers.timeout('retry', delay, () => {
      this.connect('retry', `reconnect attempt ${attempt}`)
    })
    this.setState('reconnecting', reason, code, attempt, delay)
  }

  /** Closes a socket that is no longer current; polite = close handshake with a deadline. */
  private retire(ws: WebSocket, polite: boolean): Promise<void> {
    const existing = this.retiring.get(ws)
    if (existing !== undefined) return existing
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    const { clock } = this.host
    // Boxed: a TimerHandle may be any value, so undefined cannot mean "no timer".
    let timer: { readonly handle: unknown } | undefined
    const closed = new Promise<void>((resolve) => {
      ws.once('close', () => {
        if (timer !== undefined) clock.clearTimeout(timer.handle)
        this.retiring.delete(ws)
        resolve()
      })
    })
    this.retiring.set(ws, closed)
    if (polite && ws.readyState === WebSocket.OPEN && this.host.closeTimeout > 0) {
      ws.close(1000)
      timer = {
        handle: clock.setTimeout(() => {
          timer = undefined
          ws.terminate()
        }, this.host.closeTimeout),
      }
    } else {
      ws.terminate()
    }
    return closed
  }

  private queueOpenFrames(entries: readonly StreamEntry[]): void {
    for (const entry of entries) {
      for (const frame of this.callFrames(entry, 'onOpen')) this.opening.push({ entry, frame })
    }
  }

  /** Runs a user callback; a throwing or malformed one is logged, never fatal. */
  private callFrames(entry: StreamEntry, key: 'onOpen' | 'onClose'): readonly string[] {
    const callback = entry.config[key]
    if (callback === undefined) return []
    try {
      const frames: unknown = callback()
      if (Array.isArray(frames) && frames.every((f) => typeof f === 'string')) {
        return frames
      }
      this.host.logger.warn(
        { streamId: entry.id },
        `stream-manager: ${key} must return an array of strings; nothing sent`,
      )
    } catch (error) {
      this.host.logger.warn(
        { streamId: entry.id, error: errorText(error) },
        `stream-manager: ${key} threw; nothing sent`,
      )
    }
    return []
  }

  /** Sends what the rate limiter allows: control frames, then onOpen frames, then queued sends. */
  private drain(): void {
    const ws = this.socket
    if (ws === undefined || !this.open || this.timers.has('drain')) return
    const { clock } = this.host
    const now = clock.now()
    for (;;) {
      while (this.queueHead < this.queue.length && this.queue[this.queueHead]?.entry?.removed) {
        this.queueHead++
      }
      if (this.pending === 0) break
      if (!this.limiter.tryTake(now)) {
        this.timers.timeout('drain', Math.max(1, this.limiter.waitMs(now)), () => {
          this.drain()
        })
        break
      }
      const control = this.control.shift()
      if (control !== undefined) {
        if (control.kind === 'ping') this.sendPing(ws, now)
        else ws.pong(control.data)
        continue
      }
      const opening = this.opening[this.openingHead]
      if (opening !== undefined) {
        this.openingHead++
        ws.send(opening.frame)
        if (opening.entry !== undefined) opening.entry.messagesSent++
        continue
      }
      const item = this.queue[this.queueHead]
      if (item === undefined) break
      this.queueHead++
      ws.send(item.frame)
      if (item.entry !== undefined) {
        item.entry.queued--
        item.entry.messagesSent++
      }
    }
    if (this.openingHead === this.opening.length) {
      this.opening = []
      this.openingHead = 0
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead)
      this.queueHead = 0
    }
  }

  private sendPing(ws: WebSocket, now: number): void {
    ws.ping()
    this.pingSentAt = now
    if (this.timers.has('pong')) return
    const mark = this.framesIn
    const { pongTimeout } = this.settings
    this.timers.timeout('pong', pongTimeout, () => {
      // Any inbound frame proves the socket alive; a pong stuck behind data counts as late, not lost.
      if (ws !== this.socket || this.framesIn !== mark) return
      this.lose(`no pong within pongTimeout (${pongTimeout} ms)`, 'pong-timeout', 'failure')
    })
  }
}
