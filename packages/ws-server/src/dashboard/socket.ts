// The one WebSocket: connect, join every room where its stream left off, reconnect with backoff.
//
// - A close schedules a retry after min(15 s, 500 ms × 2^attempt) with ±20 % jitter; a
//   connection that lived over 10 s earns a fresh, fast retry (attempt 0 again).
// - Every open sends `joins()`, so a reconnect resumes each room with `since` its last seq.
// - Offline, it waits for the browser's `online` event instead of retrying into nothing.
// - Never opened after two tries: it asks whether the token is the problem, and says so.
// - The server pings at the protocol level; the page also pings after 20 s of silence and
//   closes after 45 s, which catches a half-open connection from our side.

import type { JoinRoom } from './wire.js'

export type ConnectionState =
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'live' }
  | { readonly kind: 'reconnecting'; readonly retryAt: number }
  | { readonly kind: 'offline' }
  | { readonly kind: 'unauthorized' }

/** One connection attempt, as the socket module sees it. */
export interface Transport {
  readonly isOpen: () => boolean
  send(text: string): void
  close(code: number, reason: string): void
}

export interface TransportEvents {
  open(): void
  message(text: string): void
  close(code: number): void
}

/** Time, in the shape of core-events' `Clock` (so tests use the shared ManualClock). */
export interface SocketClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** What the socket needs from the browser; tests pass their own. */
export interface SocketEnvironment {
  readonly clock: SocketClock
  /** In [0, 1), for the jitter. */
  readonly random: () => number
  readonly online: () => boolean
  connect(url: string, events: TransportEvents): Transport
  onNetworkChange(listener: (online: boolean) => void): void
}

export interface SocketOptions {
  /** The `/ws` URL, token included. */
  readonly url: string
  /** What to send on every open. */
  readonly joins: () => readonly JoinRoom[]
  readonly onOpen: () => void
  readonly onMessage: (text: string) => void
  readonly onState: (state: ConnectionState) => void
  /** Whether the server refuses our token (asked after two failed first tries); never rejects. */
  readonly unauthorized: () => Promise<boolean>
  readonly environment?: SocketEnvironment
}

export interface DashboardSocket {
  /** Connects for the first time and starts following the network's online state. */
  start(): void
  /** Connects now, with a fresh backoff. */
  retryNow(): void
  /** Once a second: the retry countdown and the liveness check. */
  tick(): void
  /** How long the current connection has been open, in ms (at `now`). */
  openFor(now: number): number
}

const MAX_DELAY_MS = 15_000
const FIRST_DELAY_MS = 500
const FRESH_AFTER_MS = 10_000
const PING_AFTER_MS = 20_000
const CLOSE_AFTER_MS = 45_000

/** The wait before retry number `attempt` (0 first): exponential, capped, ±20 % jitter. */
export function retryDelay(attempt: number, random: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt) * (0.8 + random * 0.4)
}

/** The WebSocket URL for the page at `pageUrl`: same host, `ws:` or `wss:`, with the token. */
export function socketUrl(pageUrl: string, token: string | null): string {
  const url = new URL('/ws', pageUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  if (token !== null) url.searchParams.set('token', token)
  return url.href
}

/** The real thing: `WebSocket`, `navigator.onLine`, the window's online/offline events. */
export function browserEnvironment(): SocketEnvironment {
  return {
    clock: {
      now: () => Date.now(),
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => {
        clearTimeout(handle as ReturnType<typeof setTimeout>)
      },
    },
    random: () => Math.random(),
    online: () => navigator.onLine,
    connect(url, events) {
      const ws = new WebSocket(url)
      ws.addEventListener('open', () => {
        events.open()
      })
      ws.addEventListener('message', (event) => {
        events.message(String(event.data))
      })
      ws.addEventListener('close', (event) => {
        events.close(event.code)
      })
      return {
        isOpen: () => ws.readyState === WebSocket.OPEN,
        send: (text) => {
          ws.send(text)
        },
        close: (code, reason) => {
          ws.close(code, reason)
        },
      }
    },
    onNetworkChange(listener) {
      addEventListener('online', () => {
        listener(true)
      })
      addEventListener('offline', () => {
        listener(false)
      })
    },
  }
}

export function createDashboardSocket(options: SocketOptions): DashboardSocket {
  const environment = options.environment ?? browserEnvironment()
  const { clock } = environment
  let socket: Transport | null = null
  let state: ConnectionState = { kind: 'connecting', attempt: 0 }
  let attempt = 0
  let retryAt = 0
  let retryTimer: unknown
  let openedAt = 0
  let lastMessageAt = 0
  let everOpened = false

  function show(next: ConnectionState): void {
    state = next
    options.onState(next)
  }

  function connect(): void {
    if (retryTimer !== undefined) clock.clearTimeout(retryTimer)
    retryTimer = undefined
    if (socket !== null) return
    if (!environment.online()) {
      show({ kind: 'offline' })
      return
    }
    show({ kind: 'connecting', attempt })
    // Events of an earlier attempt that arrive late (a close after a retry began) are ignored.
    const current: Transport = environment.connect(options.url, {
      open() {
        if (socket !== current) return
        openedAt = clock.now()
        lastMessageAt = openedAt
        everOpened = true
        show({ kind: 'live' })
        options.onOpen()
        for (const join of options.joins()) current.send(JSON.stringify(join))
      },
      message(text) {
        if (socket !== current) return
        lastMessageAt = clock.now()
        options.onMessage(text)
      },
      close(code) {
        if (socket !== current) return
        socket = null
        if (openedAt !== 0 && clock.now() - openedAt > FRESH_AFTER_MS) attempt = 0
        openedAt = 0
        scheduleReconnect(code)
      },
    })
    socket = current
  }

  function scheduleReconnect(code: number): void {
    const delay = retryDelay(attempt, environment.random())
    attempt++
    retryAt = clock.now() + delay
    retryTimer = clock.setTimeout(connect, delay)
    showRetry()
    if (!everOpened && attempt === 2) void checkAuthorization()
    if (code === 1008 || code === 1013)
      console.warn(`crypto-analyzer: server closed the connection (${code})`)
  }

  function showRetry(): void {
    if (retryTimer === undefined || state.kind === 'unauthorized') return
    show({ kind: 'reconnecting', retryAt })
  }

  async function checkAuthorization(): Promise<void> {
    if (await options.unauthorized()) show({ kind: 'unauthorized' })
  }

  function retryNow(): void {
    attempt = 0
    connect()
  }

  return {
    start() {
      environment.onNetworkChange((online) => {
        if (socket !== null) return
        if (online) retryNow()
        else show({ kind: 'offline' })
      })
      connect()
    },
    retryNow,
    tick() {
      showRetry()
      if (socket?.isOpen() === true) {
        const silent = clock.now() - lastMessageAt
        if (silent > PING_AFTER_MS) socket.send('{"type":"ping"}')
        if (silent > CLOSE_AFTER_MS) socket.close(4000, 'no data')
      }
    },
    openFor(now) {
      return now - openedAt
    },
  }
}
