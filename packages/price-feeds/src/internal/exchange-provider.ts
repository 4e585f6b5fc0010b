import type { StreamConfig, StreamMessage, StreamMetrics } from '@crypto-analyzer/stream-manager'
import { FeedError } from '../errors.js'
import { createVenueParser } from './frame-parser.js'
import { isFarFuture } from './ordering.js'
import type { ProviderAdapter, ProviderContext } from './provider.js'
import type { ControlFrame, ErrorFrame, ExchangeVenue } from './venues/venue.js'

/**
 * Runs one exchange venue's ticker feed on its own stream of the shared `StreamManager`: the
 * generic part of every exchange adapter, with everything venue-specific asked of `venue`.
 *
 * The stream's frames come only to this provider (its `StreamConfig.onMessage`). Subscriptions
 * are sent in `onOpen`, so every reconnect resubscribes. A rejected subscription becomes a
 * `FeedError` with the exchange's message; the symbol is taken out (and handed to a fallback by
 * the manager) while the others stay subscribed.
 */
export function createExchangeProvider(
  venue: ExchangeVenue,
  context: ProviderContext,
): ProviderAdapter {
  const { symbols, logger, sink } = context
  const streams = context.streams()
  const name = venue.name
  const streamId = name
  const quote = context.quote ?? venue.defaultQuote
  const parser = createVenueParser(venue, quote, symbols)
  const topicOf = new Map<string, string>() // base → topic
  const symbolOf = new Map<string, string>() // topic → base
  for (const symbol of symbols) {
    const topic = venue.topic(venue.market(symbol, quote), 'ticker')
    topicOf.set(symbol, topic)
    symbolOf.set(topic, symbol)
  }
  const subscriptions = venue.subscriptions([...symbolOf.keys()])
  const rejected = new Set<string>()
  const active = (): string[] =>
    symbols.filter((symbol) => !rejected.has(symbol)).map((symbol) => topicOf.get(symbol) ?? '')

  let parserDrops = 0
  let exchangeLatencyMs: number | undefined
  let running = false
  let lastMetrics: StreamMetrics | undefined

  const send = (frame: string): void => {
    streams.send(streamId, frame)
  }

  // Nothing left to subscribe: keeping the socket would only reconnect forever (Coinbase even
  // closes a connection without a subscription after 5 s).
  const retire = (): void => {
    lastMetrics = streams.getStreamMetrics(streamId)
    running = false
    sink.state(name, 'stopped', `${name} rejected every symbol`)
    streams.removeStream(streamId).catch((error: unknown) => {
      logger.warn({ err: error, provider: name }, 'closing the idle stream failed')
    })
  }

  const reject = (symbol: string, message: string): void => {
    rejected.add(symbol)
    const error = new FeedError(
      'subscription-rejected',
      `${name} rejected ${symbol} (${topicOf.get(symbol) ?? symbol}): ${message}`,
      { provider: name, symbol },
    )
    logger.warn({ provider: name, symbol, message }, 'subscription rejected')
    sink.rejected(name, symbol, error)
    if (active().length === 0 && running) retire()
  }

  const onError = (frame: ErrorFrame): void => {
    const verdict = subscriptions.rejection(frame)
    switch (verdict.kind) {
      case 'exchange-error':
        sink.error(
          new FeedError('exchange-error', `${name}: ${verdict.message}`, { provider: name }),
        )
        return
      case 'retry':
        for (const frame of verdict.frames) send(frame)
        return
      case 'rejected': {
        const symbol = symbolOf.get(verdict.topic)
        if (symbol === undefined) return
        if (rejected.has(symbol)) {
          // The answer to an earlier subscribe that still named it: already handled.
          logger.debug({ provider: name, symbol, message: verdict.message }, 'repeated rejection')
          return
        }
        reject(symbol, verdict.message)
        const list = active()
        if (verdict.resubscribe && running && list.length > 0) {
          send(subscriptions.subscribe(list))
        }
        return
      }
    }
  }

  const onControl = (frame: ControlFrame): void => {
    if (frame.control === 'shutdown') {
      logger.info({ provider: name }, 'the exchange is shutting the server down: reconnecting now')
      streams.reconnect(streamId, 'serverShutdown')
      return
    }
    subscriptions.acknowledged(frame)
  }

  const onMessage = (message: StreamMessage): void => {
    if (!running) return
    const frame = parser.parse(message.data, message.receivedAt)
    switch (frame.kind) {
      case 'price':
        if (isFarFuture(frame.update.timestamp, message.receivedAt)) {
          parserDrops++
          logger.debug(
            { provider: name, market: frame.market, timestamp: frame.update.timestamp },
            'dropped a ticker whose event time is more than a day ahead',
          )
          return
        }
        exchangeLatencyMs = message.receivedAt - frame.update.timestamp
        sink.update(frame.update, frame.sequence)
        return
      case 'control':
        onControl(frame)
        return
      case 'error':
        onError(frame)
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

  const config: StreamConfig = {
    reconnectAttempts: 0,
    staleAfter: context.staleAfter,
    ...venue.stream,
    ...context.stream,
    streamId,
    url: context.url ?? venue.defaultUrl,
    symbols,
    onOpen: () => subscriptions.open(active()),
    onClose: () => {
      const list = active()
      return list.length === 0 ? [] : [subscriptions.unsubscribe(list)]
    },
    onMessage,
    onStateChange(change) {
      if (!running) return
      sink.state(name, change.state, change.reason, change.retryInMs)
      if (change.state === 'failed') {
        sink.error(
          new FeedError('connection-failed', `${name} connection gave up: ${change.reason}`, {
            provider: name,
          }),
        )
      }
    },
  }

  return {
    name,
    symbols,
    start() {
      if (running) return
      running = true
      streams.addStream(config)
    },
    // The manager stops the shared StreamManager (closing the socket, keeping the metrics).
    stop() {
      running = false
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
        exchangeLatencyMs,
      }
    },
  }
}
