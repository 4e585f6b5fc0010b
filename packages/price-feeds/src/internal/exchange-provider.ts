import type { Logger } from '@crypto-analyzer/core-events'
import type {
  StreamConfig,
  StreamManager,
  StreamMessage,
  StreamMetrics,
  StreamStateChange,
} from '@crypto-analyzer/stream-manager'
import { FeedError } from '../errors.js'
import { createFrameParser } from '../parsers.js'
import type { ParsedFrame } from '../parsers.js'
import { marketOf } from './markets.js'
import type { ProviderAdapter, ProviderCounters, ProviderSink } from './provider.js'

/** Binance closes a connection at 24 h; reconnect well before, on our own terms. */
export const BINANCE_MAX_CONNECTION_AGE: number = 23 * 60 * 60 * 1000
/**
 * Binance allows 5 incoming messages per second per connection, pings and pongs included; our
 * SUBSCRIBE retries stay well under that next to the keepalive traffic.
 */
export const BINANCE_RATE_LIMIT = 3
/**
 * An event time this far after receipt is a broken frame, not clock skew. Accepted, it would make
 * every later update of the symbol look older than it and be discarded: one frame with
 * `"E":9007199254740991` used to silence a symbol on that provider until the process restarted.
 */
export const MAX_FUTURE_EVENT_TIME = 86_400_000

/** Binance allows 1024 streams per connection. */
export const BINANCE_MAX_STREAMS = 1024

export interface ExchangeProviderOptions {
  readonly name: 'binance' | 'coinbase'
  readonly symbols: readonly string[]
  readonly quote: string
  readonly url: string
  readonly streams: StreamManager
  /** Caller overrides of the stream config (reconnect, heartbeat, ...). */
  readonly stream: Partial<StreamConfig>
  readonly staleAfter: number
  readonly logger: Logger
  readonly sink: ProviderSink
}

export interface ExchangeCounters extends ProviderCounters {
  /** Tickers discarded because their sequence was not above the last one (Coinbase). */
  readonly outOfSequence: number
  /** `receivedAt − event time` of the last ticker. */
  readonly exchangeLatencyMs: number | undefined
}

export interface ExchangeProvider extends ProviderAdapter {
  counters(): ExchangeCounters
}

/**
 * A Binance or Coinbase Exchange ticker feed on one stream of a shared `StreamManager`.
 *
 * Subscriptions are sent in `onOpen`, so every reconnect resubscribes. A rejected subscription
 * becomes a `FeedError` with the exchange's message; the symbol is taken out (and handed to a
 * fallback by the manager) while the others stay subscribed.
 */
export function createExchangeProvider(options: ExchangeProviderOptions): ExchangeProvider {
  const { name, symbols, quote, streams, logger, sink } = options
  const streamId = name
  const parser = createFrameParser(name, { quote, symbols })
  const baseOf = new Map<string, string>() // market → base
  const marketFor = new Map<string, string>() // base → market (Coinbase product, Binance stream)
  for (const symbol of symbols) {
    const market = marketOf(name, symbol, quote)
    baseOf.set(market, symbol)
    marketFor.set(symbol, name === 'binance' ? `${market.toLowerCase()}@ticker` : market)
  }
  const rejected = new Set<string>()
  const active = (): string[] =>
    symbols.filter((symbol) => !rejected.has(symbol)).map((symbol) => marketFor.get(symbol) ?? '')

  let parserDrops = 0
  let outOfSequence = 0
  let exchangeLatencyMs: number | undefined
  let running = false
  const unsubscribers: (() => void)[] = []

  // Binance: request id → the streams it asked for, for the current connection.
  let nextId = 1
  const pending = new Map<number | string, string[]>()
  // Coinbase: sequence and event time of the last ticker per product on the current connection.
  const sequences = new Map<string, { sequence: number; timestamp: number }>()

  const subscribeFrame = (list: readonly string[]): string => {
    if (name === 'coinbase') {
      return JSON.stringify({
        type: 'subscribe',
        product_ids: list,
        channels: ['ticker', 'heartbeat'],
      })
    }
    const id = nextId++
    pending.set(id, [...list])
    return JSON.stringify({ method: 'SUBSCRIBE', params: list, id })
  }

  const onOpen = (): readonly string[] => {
    pending.clear()
    sequences.clear()
    const list = active()
    return list.length === 0 ? [] : [subscribeFrame(list)]
  }

  const reject = (symbol: string, message: string): void => {
    if (rejected.has(symbol)) return
    rejected.add(symbol)
    const error = new FeedError(
      'subscription-rejected',
      `${name} rejected ${symbol} (${marketFor.get(symbol) ?? symbol}): ${message}`,
      { provider: name, symbol },
    )
    logger.warn({ provider: name, symbol, message }, 'subscription rejected')
    sink.rejected(name, symbol, error)
    if (active().length === 0 && running) retire()
  }

  // Nothing left to subscribe: keeping the socket would only reconnect forever (Coinbase even
  // closes a connection without a subscription after 5 s).
  let lastMetrics: StreamMetrics | undefined
  const retire = (): void => {
    lastMetrics = streams.getStreamMetrics(streamId)
    running = false
    for (const unsubscribe of unsubscribers.splice(0)) unsubscribe()
    sink.state(name, 'stopped', `${name} rejected every symbol`)
    streams.removeStream(streamId).catch((error: unknown) => {
      logger.warn({ err: error, provider: name }, 'closing the idle stream failed')
    })
  }

  const exchangeError = (message: string): void => {
    sink.error(new FeedError('exchange-error', `${name}: ${message}`, { provider: name }))
  }

  const onBinanceError = (frame: Extract<ParsedFrame, { kind: 'error' }>): void => {
    const asked = frame.id === undefined || frame.id === null ? undefined : pending.get(frame.id)
    if (asked === undefined) {
      exchangeError(frame.message)
      return
    }
    pending.delete(frame.id as number | string)
    if (asked.length === 1) {
      const stream = asked[0] ?? ''
      const symbol = [...marketFor].find(([, value]) => value === stream)?.[0]
      if (symbol !== undefined) reject(symbol, frame.message)
      return
    }
    // One bad stream fails the whole request: split it until the bad ones stand alone.
    const half = Math.ceil(asked.length / 2)
    for (const part of [asked.slice(0, half), asked.slice(half)]) {
      streams.send(streamId, subscribeFrame(part))
    }
  }

  const onCoinbaseError = (frame: Extract<ParsedFrame, { kind: 'error' }>): void => {
    const detail = frame.reason ?? ''
    const words = `${frame.message} ${detail}`
    const symbol = symbols.find((base) => {
      const product = marketFor.get(base) ?? ''
      return new RegExp(`(^|[^A-Z0-9-])${product}($|[^A-Z0-9-])`).test(words)
    })
    if (symbol === undefined) {
      exchangeError(detail === '' ? frame.message : `${frame.message}: ${detail}`)
      return
    }
    if (rejected.has(symbol)) {
      // The answer to an earlier subscribe that still named it: already handled.
      logger.debug({ provider: name, symbol, reason: detail }, 'repeated rejection')
      return
    }
    reject(symbol, detail === '' ? frame.message : `${frame.message}: ${detail}`)
    // Coinbase refuses the whole subscribe message: ask again for the rest.
    const list = active()
    if (list.length > 0) streams.send(streamId, subscribeFrame(list))
  }

  const onMessage = (message: StreamMessage): void => {
    if (message.streamId !== streamId || !running) return
    const frame = parser.parse(message.data, message.receivedAt)
    switch (frame.kind) {
      case 'price': {
        if (frame.update.timestamp > message.receivedAt + MAX_FUTURE_EVENT_TIME) {
          parserDrops++
          logger.debug(
            { provider: name, market: frame.market, timestamp: frame.update.timestamp },
            'dropped a ticker whose event time is more than a day ahead',
          )
          return
        }
        if (frame.sequence !== undefined) {
          const last = sequences.get(frame.market)
          // Not above the last sequence and not newer either: a replay or out of order. A newer
          // event time with a lower sequence means the last sequence was the broken one (one
          // frame with "sequence":9007199254740991 would otherwise silence the product).
          if (
            last !== undefined &&
            frame.sequence <= last.sequence &&
            frame.update.timestamp <= last.timestamp
          ) {
            outOfSequence++
            logger.debug(
              { provider: name, market: frame.market, sequence: frame.sequence, last },
              'discarded a ticker whose sequence is not above the last one',
            )
            return
          }
          sequences.set(frame.market, {
            sequence: frame.sequence,
            timestamp: frame.update.timestamp,
          })
        }
        exchangeLatencyMs = message.receivedAt - frame.update.timestamp
        sink.update(frame.update)
        return
      }
      case 'control':
        if (frame.control === 'shutdown') {
          logger.info({ provider: name }, 'serverShutdown: reconnecting now')
          streams.reconnect(streamId, 'serverShutdown')
        } else if (frame.control === 'reply' && frame.id !== undefined && frame.id !== null) {
          pending.delete(frame.id)
        }
        return
      case 'error':
        if (name === 'binance') onBinanceError(frame)
        else onCoinbaseError(frame)
        return
      case 'ignored':
        return
      case 'dropped':
        parserDrops++
        logger.debug(
          { provider: name, reason: frame.reason, detail: frame.detail, bytes: message.bytes },
          'dropped a frame',
        )
        return
    }
  }

  const onState = (change: StreamStateChange): void => {
    if (change.streamId !== streamId) return
    sink.state(name, change.state, change.reason, change.retryInMs)
    if (change.state === 'failed') {
      sink.error(
        new FeedError('connection-failed', `${name} connection gave up: ${change.reason}`, {
          provider: name,
        }),
      )
    }
  }

  const config: StreamConfig = {
    reconnectAttempts: 0,
    staleAfter: options.staleAfter,
    ...(name === 'binance'
      ? { rateLimit: BINANCE_RATE_LIMIT, maxConnectionAge: BINANCE_MAX_CONNECTION_AGE }
      : {}),
    ...options.stream,
    streamId,
    url: options.url,
    symbols,
    onOpen,
  }

  return {
    name,
    symbols,
    start() {
      if (running) return
      running = true
      unsubscribers.push(streams.onMessage(onMessage), streams.onStateChange(onState))
      streams.addStream(config)
    },
    // The manager stops the shared StreamManager (closing the socket, keeping the metrics).
    stop() {
      running = false
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe()
      return Promise.resolve()
    },
    counters() {
      const metrics = streams.getStreamMetrics(streamId) ?? lastMetrics
      return {
        state: metrics?.state ?? (running ? 'idle' : 'stopped'),
        messagesReceived: metrics?.messagesReceived ?? 0,
        uptimeSeconds: metrics?.uptimeSeconds ?? 0,
        latencyMs: metrics?.latencyMs,
        reconnects: metrics?.reconnects ?? 0,
        droppedFrames: (metrics?.droppedFrames ?? 0) + parserDrops,
        lastMessageAt: metrics?.lastMessageAt,
        outOfSequence,
        exchangeLatencyMs,
      }
    },
  }
}
