import type { IncomingMessage } from 'node:http'
import { FakeExchangeError } from '../errors.js'
import type { RestartOptions, SendRawOptions } from '../types.js'
import { ServerCore, isSendableCloseCode } from './core.js'
import type { AcceptResult, NowClock, Peer, ProtocolHooks } from './core.js'
import { checkDuration } from './validate.js'

export interface BaseOptions {
  host: string
  port: number
  clock: NowClock
  tickInterval: number
  maxIncomingPerSecond: number
}

/** Shared lifecycle and misbehaviour controls; subclasses add the protocol. */
export abstract class FakeBase<S> {
  readonly requests: unknown[] = []
  protected readonly core: ServerCore<S>
  protected readonly clock: NowClock
  /** pingOnly: market data suppressed. */
  protected dataPaused = false
  private tickMs: number
  private tickTimer: NodeJS.Timeout | undefined
  /** Pending restart downtimes: close() cuts them short. */
  private readonly downtimes = new Map<NodeJS.Timeout, () => void>()
  private closed = false

  constructor(options: BaseOptions) {
    this.clock = options.clock
    this.tickMs = options.tickInterval
    this.core = new ServerCore<S>({
      host: options.host,
      port: options.port,
      clock: options.clock,
      maxIncomingPerSecond: options.maxIncomingPerSecond,
      hooks: this.hooks(),
    })
  }

  get port(): number {
    return this.core.port
  }

  get connectionCount(): number {
    return this.core.peers.size
  }

  /** host:port as it goes in a URL. */
  protected get authority(): string {
    const host = this.core.host.includes(':') ? `[${this.core.host}]` : this.core.host
    return `${host}:${this.core.port}`
  }

  async start(): Promise<void> {
    await this.core.listen()
    this.armTicker()
  }

  setTickInterval(ms: number): void {
    this.tickMs = checkDuration('setTickInterval', ms)
    this.armTicker()
  }

  sendRaw(data: string | Buffer, options?: SendRawOptions): void {
    if (typeof data !== 'string' && !Buffer.isBuffer(data)) {
      throw new FakeExchangeError('invalid-options', 'sendRaw takes a string or a Buffer')
    }
    const binary = options?.binary ?? typeof data !== 'string'
    for (const peer of this.core.peers) peer.send(data, binary)
  }

  closeAll(code?: number, reason?: string): void {
    if (code !== undefined && !isSendableCloseCode(code)) {
      throw new FakeExchangeError(
        'invalid-options',
        `closeAll(${String(code)}): a close frame needs a code in 1000-1014 (not 1004-1006) or 3000-4999; call closeAll() without a code for an abrupt drop`,
      )
    }
    if (reason !== undefined && Buffer.byteLength(reason) > 123) {
      throw new FakeExchangeError('invalid-options', 'closeAll reason must be at most 123 bytes')
    }
    this.core.closeAll(code, reason)
  }

  stall(): void {
    this.core.stall()
    this.onStall()
  }

  resume(): void {
    this.core.resume()
  }

  pingOnly(on: boolean): void {
    this.dataPaused = on
  }

  slow(ms: number): void {
    this.core.slowMs = checkDuration('slow', ms)
  }

  async restart(options?: RestartOptions): Promise<void> {
    if (this.closed)
      throw new FakeExchangeError('closed', 'restart() after close(); start a new fake')
    const downtime = checkDuration('restart downtime', options?.downtime ?? 0)
    await this.core.shutdown()
    if (downtime > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.downtimes.delete(timer)
          resolve()
        }, downtime)
        this.downtimes.set(timer, resolve)
      })
    }
    // close() may have run during the downtime.
    if (this.isClosed()) return
    await this.core.listen()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer)
    this.tickTimer = undefined
    for (const [timer, resolve] of this.downtimes) {
      clearTimeout(timer)
      resolve()
    }
    this.downtimes.clear()
    this.stopTimers()
    await this.core.shutdown()
  }

  private isClosed(): boolean {
    return this.closed
  }

  /** Market data may flow (not stalled, not pingOnly). */
  protected get dataFlows(): boolean {
    return !this.dataPaused && !this.core.stalled
  }

  protected get peers(): ReadonlySet<Peer<S>> {
    return this.core.peers
  }

  /** An interval that `close()` clears. */
  protected every(ms: number, run: () => void): NodeJS.Timeout | undefined {
    if (ms <= 0) return undefined
    const timer = setInterval(run, ms)
    timer.unref()
    return timer
  }

  private armTicker(): void {
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer)
    this.tickTimer = this.closed
      ? undefined
      : this.every(this.tickMs, () => {
          this.onTick()
        })
  }

  private hooks(): ProtocolHooks<S> {
    return {
      accept: (request) => this.onAccept(request),
      open: (peer) => {
        this.onOpen(peer)
      },
      message: (peer, text) => {
        this.onMessage(peer, text)
      },
      pong: (peer, payload) => {
        this.onPong(peer, payload)
      },
      close: (peer) => {
        this.onPeerClosed(peer)
      },
    }
  }

  protected abstract onAccept(request: IncomingMessage): AcceptResult<S>
  protected abstract onOpen(peer: Peer<S>): void
  protected abstract onMessage(peer: Peer<S>, text: string): void
  protected abstract onPong(peer: Peer<S>, payload: Buffer): void
  protected abstract onPeerClosed(peer: Peer<S>): void
  protected abstract onTick(): void
  protected abstract onStall(): void
  protected abstract stopTimers(): void
}
