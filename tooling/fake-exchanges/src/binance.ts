import { FakeBinanceServer } from './internal/binance-server.js'
import {
  checkObject,
  clockOption,
  durationOption,
  hostOption,
  integerOption,
  listOption,
  seedOption,
  startPricesOption,
} from './internal/validate.js'
import type { FakeExchange, FakeExchangeOptions } from './types.js'

export interface FakeBinanceOptions extends FakeExchangeOptions {
  /** Native symbols it lists (default BTCUSDT ETHUSDT ADAUSDT DOTUSDT LINKUSDT SOLUSDT BNBBTC DOGEBNB). */
  markets?: readonly string[]
  /** Milliseconds between server ping frames (default 20000, like Binance since 2025-01); 0 = no pings. */
  pingInterval?: number
  /** A client that has not answered a ping after this many ms is dropped (default 60000). */
  pongTimeout?: number
  /** Streams one connection may hold (default 1024); more => error code 4 "Too many subscriptions". */
  maxStreamsPerConnection?: number
  /** Client frames (requests, pings, pongs) per rolling second before a 1008 close (default 5); 0 = unlimited. */
  maxIncomingPerSecond?: number
}

export interface FakeBinance extends FakeExchange {
  /** `ws://127.0.0.1:<port>/ws`; `/ws/<stream>` and `/stream?streams=a/b` work too. */
  readonly url: string
  /** Streams subscribed by any connection, e.g. `['btcusdt@ticker']`. */
  subscriptions(): string[]
  /**
   * Pushes one frame of `stream` (`btcusdt@ticker`, `@miniTicker`, `@bookTicker`; a bare symbol means
   * `@ticker`) to its subscribers now.
   */
  emitTicker(stream: string, overrides?: Readonly<Record<string, unknown>>): void
  /**
   * SUBSCRIBE naming these (stream names, or symbols for all their streams) gets
   * `{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":N}`. Replaces the previous list; `[]` clears it.
   */
  rejectSymbols(streams: readonly string[]): void
  /** Sends `{"e":"serverShutdown","E":<now>}` to every client (combined: stream `!serverShutdown`). */
  serverShutdown(): void
}

export const DEFAULT_BINANCE_MARKETS: readonly string[] = [
  'BTCUSDT',
  'ETHUSDT',
  'ADAUSDT',
  'DOTUSDT',
  'LINKUSDT',
  'SOLUSDT',
  'BNBBTC',
  'DOGEBNB',
]

const isBinanceSymbol = (symbol: string): boolean =>
  symbol !== '' && !/[\s@/]/.test(symbol) && symbol === symbol.toUpperCase()

/** Starts a fake Binance Spot market-data WebSocket server on 127.0.0.1. */
export async function startFakeBinance(options?: FakeBinanceOptions): Promise<FakeBinance> {
  const raw = checkObject('startFakeBinance', options)
  const markets = listOption(
    'markets',
    raw['markets'],
    DEFAULT_BINANCE_MARKETS,
    isBinanceSymbol,
    "'BTCUSDT', 'ETHBTC'",
  )
  const pingInterval = durationOption('pingInterval', raw['pingInterval'], 20_000)
  const server = new FakeBinanceServer({
    host: hostOption(raw['host']),
    port: integerOption('port', raw['port'], 0, 0, 65_535),
    clock: clockOption(raw['clock']),
    tickInterval: durationOption('tickInterval', raw['tickInterval'], 1000),
    maxIncomingPerSecond: integerOption('maxIncomingPerSecond', raw['maxIncomingPerSecond'], 5, 0),
    markets,
    pingInterval,
    pongTimeout: durationOption('pongTimeout', raw['pongTimeout'], 60_000, 1),
    maxStreamsPerConnection: integerOption(
      'maxStreamsPerConnection',
      raw['maxStreamsPerConnection'],
      1024,
      1,
    ),
    seed: seedOption(raw['seed']),
    startPrices: startPricesOption(raw['startPrices'], markets),
  })
  await server.start()
  return server
}
