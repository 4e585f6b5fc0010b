import { createServer } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import type { RawData, WebSocket } from 'ws'
import { FakeExchangeError } from '../errors.js'

/** Epoch-ms time source; structurally a subset of core-events' `Clock`. */
export interface NowClock {
  now(): number
}

export type AcceptResult<S> =
  { ok: true; state: S } | { ok: false; status: number; statusText: string; body: string }

/** What a protocol (Binance, Coinbase) plugs into the shared server. */
export interface ProtocolHooks<S> {
  accept(request: IncomingMessage): AcceptResult<S>
  open(peer: Peer<S>): void
  message(peer: Peer<S>, text: string): void
  pong(peer: Peer<S>, payload: Buffer): void
  close(peer: Peer<S>): void
}

export interface CoreOptions<S> {
  host: string
  port: number
  clock: NowClock
  /** Client frames (text, binary, ping, pong) allowed per rolling second; 0 = unlimited. */
  maxIncomingPerSecond: number
  hooks: ProtocolHooks<S>
}

interface Pending {
  due: number
  run: () => void
}

const RATE_WINDOW_MS = 1000

/** One client connection: an ordered outgoing queue that honours `stall` and `slow`. */
export class Peer<S> {
  readonly id: number
  readonly state: S
  readonly openedAt: number
  closed = false
  /** Client messages that arrived during a stall, handled on resume. */
  readonly heldMessages: string[] = []
  private closing = false
  private readonly socket: WebSocket
  private readonly core: ServerCore<S>
  private readonly queue: Pending[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly incoming: number[] = []

  constructor(id: number, socket: WebSocket, state: S, core: ServerCore<S>) {
    this.id = id
    this.socket = socket
    this.state = state
    this.core = core
    this.openedAt = core.clock.now()
  }

  /** Text frame (string) or binary frame (Buffer); `binary: false` sends a Buffer as a text frame as is. */
  send(data: string | Buffer, binary: boolean = typeof data !== 'string'): void {
    this.enqueue(() => {
      this.socket.send(data, { binary })
    })
  }

  ping(payload: Buffer): void {
    this.enqueue(() => {
      this.socket.ping(payload)
    })
  }

  pong(payload: Buffer): void {
    this.enqueue(() => {
      this.socket.pong(payload)
    })
  }

  /**
   * Close handshake with `code`. It goes through the queue, so it follows frames already queued by
   * `slow`; nothing queued after it is sent. A stalled server closes at once (an explicit order).
   */
  close(code: number, reason: string): void {
    if (this.closed || this.closing) return
    if (this.core.stalled) {
      this.closing = true
      this.clearQueue()
      this.socket.close(code, reason)
      return
    }
    this.enqueue(() => {
      this.socket.close(code, reason)
    })
    this.closing = true
  }

  /** Drop the TCP connection at once: no close frame, the client sees 1006. */
  terminate(): void {
    this.closed = true
    this.clearQueue()
    this.socket.terminate()
    // Gone for the server at once, not when the 'close' event comes round.
    this.core.detach(this)
  }

  /** Counts one client frame; false (and a 1008 close) when the rate limit is exceeded. */
  countIncoming(): boolean {
    const limit = this.core.maxIncomingPerSecond
    if (limit <= 0 || this.closed) return !this.closed
    const now = this.core.clock.now()
    while (this.incoming.length > 0 && (this.incoming[0] ?? 0) <= now - RATE_WINDOW_MS) {
      this.incoming.shift()
    }
    this.incoming.push(now)
    if (this.incoming.length <= limit) return true
    if (this.core.stalled) return false
    this.closed = true
    this.clearQueue()
    // Binance's wording (binance-connector-js#530: "closed due to 1008: Too many requests").
    this.socket.close(1008, 'Too many requests')
    return false
  }

  /** @internal called by the core when the socket closed. */
  dispose(): void {
    this.closed = true
    this.clearQueue()
  }

  private enqueue(run: () => void): void {
    if (this.closed || this.closing || this.core.stalled) return
    const guarded = (): void => {
      if (this.closed || this.socket.readyState !== this.socket.OPEN) return
      run()
    }
    const delay = this.core.slowMs
    if (delay <= 0 && this.queue.length === 0) {
      guarded()
      return
    }
    this.queue.push({ due: this.core.clock.now() + delay, run: guarded })
    this.schedule()
  }

  private schedule(): void {
    if (this.timer !== undefined) return
    const head = this.queue[0]
    if (head === undefined) return
    const wait = Math.max(0, head.due - this.core.clock.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      const now = this.core.clock.now()
      while (this.queue.length > 0 && (this.queue[0]?.due ?? 0) <= now) {
        this.queue.shift()?.run()
      }
      this.schedule()
    }, wait)
  }

  private clearQueue(): void {
    this.queue.length = 0
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}

/**
 * The part both fakes share: an HTTP server on 127.0.0.1 upgrading to WebSocket, the set of peers,
 * and the transport-level misbehaviours (stall, slow, abrupt close, restart on the same port).
 */
export class ServerCore<S> {
  readonly clock: NowClock
  readonly maxIncomingPerSecond: number
  readonly host: string
  readonly peers: Set<Peer<S>> = new Set<Peer<S>>()
  port: number
  stalled = false
  slowMs = 0
  closed = false
  private readonly hooks: ProtocolHooks<S>
  private readonly wss: WebSocketServer
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private held: { request: IncomingMessage; socket: Duplex; head: Buffer }[] = []
  private nextPeerId = 1

  constructor(options: CoreOptions<S>) {
    this.clock = options.clock
    this.maxIncomingPerSecond = options.maxIncomingPerSecond
    this.host = options.host
    this.port = options.port
    this.hooks = options.hooks
    // autoPong off: a stalled server must not answer client pings either.
    this.wss = new WebSocketServer({ noServer: true, autoPong: false, clientTracking: false })
  }

  async listen(): Promise<void> {
    const server = createServer((_request, response) => {
      response.writeHead(426, { 'content-type': 'text/plain' })
      response.end('Upgrade Required\n')
    })
    server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined)
      if (this.stalled) {
        // A hung server does not finish handshakes either; they complete on resume().
        this.held.push({ request, socket, head })
        return
      }
      this.upgrade(request, socket, head)
    })
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(
          new FakeExchangeError(
            'listen-failed',
            `fake exchange could not listen on ${this.host}:${this.port} (${error.message}); pass another port, or 0 for a free one`,
            { cause: error },
          ),
        )
      }
      server.once('error', onError)
      server.listen(this.port, this.host, () => {
        server.off('error', onError)
        resolve()
      })
    })
    const address = server.address()
    if (address !== null && typeof address === 'object') this.port = address.port
    this.server = server
  }

  /** Drops every connection and stops listening; resolves when the port is free. */
  async shutdown(): Promise<void> {
    for (const peer of [...this.peers]) peer.terminate()
    for (const { socket } of this.held) socket.destroy()
    this.held = []
    for (const socket of this.sockets) socket.destroy()
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve()
      })
    })
  }

  /** Forgets a peer (idempotent) and tells the protocol. */
  detach(peer: Peer<S>): void {
    if (this.peers.delete(peer)) this.hooks.close(peer)
  }

  stall(): void {
    this.stalled = true
  }

  resume(): void {
    this.stalled = false
    for (const peer of [...this.peers]) {
      for (const text of peer.heldMessages.splice(0)) {
        if (!peer.closed) this.hooks.message(peer, text)
      }
    }
    const held = this.held
    this.held = []
    for (const { request, socket, head } of held) {
      if (!socket.destroyed) this.upgrade(request, socket, head)
    }
  }

  closeAll(code?: number, reason = ''): void {
    for (const peer of [...this.peers]) {
      if (code === undefined) peer.terminate()
      else peer.close(code, reason)
    }
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const accepted = this.hooks.accept(request)
    if (!accepted.ok) {
      socket.end(
        `HTTP/1.1 ${accepted.status} ${accepted.statusText}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(accepted.body)}\r\nConnection: close\r\n\r\n${accepted.body}`,
      )
      return
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.attach(ws, accepted.state)
    })
  }

  private attach(ws: WebSocket, state: S): void {
    const peer = new Peer(this.nextPeerId++, ws, state, this)
    this.peers.add(peer)
    ws.on('error', () => undefined)
    ws.on('message', (data: RawData) => {
      if (!peer.countIncoming()) return
      const text = rawToBuffer(data).toString('utf8')
      // A hung server reads nothing: requests wait (like bytes in the TCP buffer) until resume().
      if (this.stalled) peer.heldMessages.push(text)
      else this.hooks.message(peer, text)
    })
    ws.on('ping', (payload: Buffer) => {
      if (!peer.countIncoming()) return
      peer.pong(payload)
    })
    ws.on('pong', (payload: Buffer) => {
      if (!peer.countIncoming()) return
      this.hooks.pong(peer, payload)
    })
    ws.on('close', () => {
      peer.dispose()
      this.detach(peer)
    })
    this.hooks.open(peer)
  }
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}

/** Close codes a server may put in a close frame (same rule as ws). */
export function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999))
  )
}
