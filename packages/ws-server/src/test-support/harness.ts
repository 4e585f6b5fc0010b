import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { ServerType } from '@hono/node-server'
import { Decimal, createEventBus } from '@crypto-analyzer/core-events'
import type { PriceUpdate, StreamEventBus } from '@crypto-analyzer/core-events'
import { waitFor } from '@crypto-analyzer/test-support'
import { WebSocket } from 'ws'
import type { ClientOptions, RawData } from 'ws'
import { createWsServer } from '../index.js'
import type { WsServer, WsServerOptions } from '../index.js'

export const SYMBOLS = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK'] as const

/** Where the tests' manual clocks start, and the time the test prices are stamped near. */
export const TEST_START: number = Date.parse('2025-07-03T10:00:00.000Z')

export interface Harness {
  readonly bus: StreamEventBus
  readonly server: WsServer
  readonly http: ServerType
  readonly port: number
  readonly url: string
  readonly wsUrl: string
  stop(): Promise<void>
}

/** Listens on `app` and `wss` the way apps/server does, on 127.0.0.1 and the given port (0 = any). */
export async function listen(
  server: WsServer,
  port = 0,
): Promise<{ http: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const http = serve(
      { fetch: server.app.fetch, port, hostname: '127.0.0.1', websocket: { server: server.wss } },
      (info: AddressInfo) => {
        resolve({ http, port: info.port })
      },
    )
    http.once('error', reject)
  })
}

export async function closeHttp(http: ServerType): Promise<void> {
  await new Promise<void>((resolve) => {
    http.close(() => {
      resolve()
    })
    if ('closeAllConnections' in http) http.closeAllConnections()
  })
}

export async function startServer(
  options: Partial<WsServerOptions> = {},
  port = 0,
): Promise<Harness> {
  const bus = options.bus ?? createEventBus({ historySize: 100 })
  bus.start()
  const server = createWsServer({
    symbols: SYMBOLS,
    processMetrics: false,
    ...options,
    bus,
  })
  const listening = await listen(server, port)
  return {
    bus,
    server,
    http: listening.http,
    port: listening.port,
    url: `http://127.0.0.1:${listening.port}`,
    wsUrl: `ws://127.0.0.1:${listening.port}/ws`,
    async stop() {
      await server.close()
      await closeHttp(listening.http)
      bus.stop()
    },
  }
}

let tick = 0

/** A price update as a feed would publish it. */
export function price(
  symbol: string,
  text: string,
  overrides: Partial<PriceUpdate> = {},
): PriceUpdate {
  tick++
  return {
    symbol,
    price: new Decimal(text),
    change24h: new Decimal('12.5'),
    changePercent24h: new Decimal('1.25'),
    volume24h: new Decimal('1000.5'),
    timestamp: TEST_START + tick,
    source: 'mock',
    ...overrides,
  }
}

export function publishPrice(bus: StreamEventBus, symbol: string, text: string): void {
  bus.publishPriceUpdate(symbol, price(symbol, text))
}

export type Message = Record<string, unknown> & { type: string }

export interface TestClient {
  readonly ws: WebSocket
  readonly messages: Message[]
  /** The exact text of every message, in order. */
  readonly raw: string[]
  readonly closed: Promise<{ code: number; reason: string }>
  readonly isClosed: boolean
  send(message: object | string): void
  /** The next message (after those already taken) matching `predicate`. */
  next(predicate?: (message: Message) => boolean, what?: string): Promise<Message>
  /** Waits for a message matching `predicate`; returns the messages before it (after those taken). */
  takeUntil(predicate: (message: Message) => boolean, what?: string): Promise<Message[]>
  /** Resolves once `count` messages matching `predicate` arrived, returning them. */
  collect(count: number, predicate?: (message: Message) => boolean): Promise<Message[]>
  close(): Promise<void>
}

const text = (data: RawData): string =>
  Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as Buffer).toString('utf8')

/** Opens a WebSocket and records every message; rejects with the HTTP status if refused. */
export async function connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(url, options)
  const messages: Message[] = []
  const raw: string[] = []
  let cursor = 0
  let isClosed = false
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      isClosed = true
      resolve({ code, reason: reason.toString() })
    })
  })
  ws.on('message', (data) => {
    const frame = text(data)
    raw.push(frame)
    messages.push(JSON.parse(frame) as Message)
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve()
    })
    ws.once('unexpected-response', (_request, response) => {
      reject(new Error(`HTTP ${response.statusCode}`))
      ws.terminate()
    })
    ws.once('error', reject)
  })
  ws.on('error', () => undefined)
  const client: TestClient = {
    ws,
    messages,
    raw,
    closed,
    get isClosed() {
      return isClosed
    },
    send(message) {
      ws.send(typeof message === 'string' ? message : JSON.stringify(message))
    },
    async next(predicate = () => true, what = 'a message') {
      let found: Message | undefined
      await waitFor(() => {
        while (cursor < messages.length) {
          const message = messages[cursor++] as Message
          if (predicate(message)) {
            found = message
            return true
          }
        }
        return false
      }, what)
      return found as Message
    },
    async takeUntil(predicate, what = 'a message') {
      const start = cursor
      let end = -1
      await waitFor(() => {
        while (cursor < messages.length) {
          const message = messages[cursor++] as Message
          if (predicate(message)) {
            end = cursor - 1
            return true
          }
        }
        return false
      }, what)
      return messages.slice(start, end)
    },
    async collect(count, predicate = () => true) {
      await waitFor(() => messages.filter(predicate).length >= count, `${count} messages`)
      return messages.filter(predicate).slice(0, count)
    },
    async close() {
      if (isClosed) return
      ws.close()
      await closed
    },
  }
  return client
}

export const ofType =
  (type: string) =>
  (message: Message): boolean =>
    message.type === type

export const data = (message: Message): Record<string, unknown> =>
  message['data'] as Record<string, unknown>
