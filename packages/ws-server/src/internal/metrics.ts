import { EventType, FEED_STATES } from '@crypto-analyzer/core-events'
import type { AnyStreamEvent } from '@crypto-analyzer/core-events'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { KIND_NAMES } from './frame.js'
import type { Hub } from './hub.js'
import { WIRE_ERROR_CODES } from './hub.js'
import { providers } from './status.js'

type Labels = Record<string, string>
type Samples = Iterable<readonly [Labels, number]>

const PREFIX = 'crypto_analyzer_'

let processRegistry: Registry | undefined

/**
 * Node.js process metrics live in one registry per process: prom-client's collectors install
 * GC and event-loop observers that cannot be removed, so each server must not add its own.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

export interface Metrics {
  readonly contentType: string
  render(): Promise<string>
}

/** A registry of this server's own (never the global one), read from live counters at scrape time. */
export function createMetrics(hub: Hub, includeProcess: boolean): Metrics {
  const registry = new Registry()
  const registers = [registry]

  // Monotonic values kept elsewhere, exposed as counters: set to the source value on each scrape.
  const counter = (name: string, help: string, labelNames: string[], read: () => Samples): void => {
    new Counter({
      name: PREFIX + name,
      help,
      labelNames,
      registers,
      collect(this: Counter) {
        this.reset()
        for (const [labels, value] of read()) this.inc(labels, value)
      },
    })
  }
  const gauge = (name: string, help: string, labelNames: string[], read: () => Samples): void => {
    new Gauge({
      name: PREFIX + name,
      help,
      labelNames,
      registers,
      collect(this: Gauge) {
        this.reset()
        for (const [labels, value] of read()) this.set(labels, value)
      },
    })
  }
  const one = (value: number): Samples => [[{}, value]]
  const counters = hub.counters

  gauge('ws_clients', 'Open WebSocket client connections.', [], () => one(hub.stats().clients))
  gauge('ws_room_members', 'Clients in each room.', ['room'], () =>
    [...hub.rooms.values()].map((room) => [{ room: room.name }, room.members.size] as const),
  )
  counter('ws_connections_total', 'WebSocket connections accepted.', [], () =>
    one(counters.accepted),
  )
  counter('ws_messages_received_total', 'Messages received from clients.', [], () =>
    one(counters.messagesIn),
  )
  counter('ws_messages_sent_total', 'Frames sent to clients, by message type.', ['type'], () =>
    KIND_NAMES.map((type, index) => [{ type }, counters.out[index] ?? 0] as const),
  )
  counter(
    'ws_conflated_messages_total',
    'Room messages a slow client never got because a newer value replaced them.',
    [],
    () => one(counters.conflated),
  )
  counter(
    'ws_dropped_messages_total',
    'Messages dropped: slow clients beyond conflation, client messages over the rate limit, events that could not be encoded.',
    ['reason'],
    () => [
      [{ reason: 'slow_client' }, counters.dropped],
      [{ reason: 'rate_limited' }, counters.rateDropped],
      [{ reason: 'encode_error' }, counters.encodeErrors],
    ],
  )
  counter('ws_client_errors_total', 'error messages sent to clients, by code.', ['code'], () =>
    WIRE_ERROR_CODES.map((code) => [{ code }, counters.wireErrors[code]] as const),
  )
  counter(
    'ws_closed_connections_total',
    'Client connections the server closed, by reason.',
    ['reason'],
    () => Object.entries(counters.closed).map(([reason, value]) => [{ reason }, value] as const),
  )
  counter(
    'ws_rejected_requests_total',
    'Requests refused before the upgrade, by HTTP status.',
    ['status'],
    () => Object.entries(counters.rejected).map(([status, value]) => [{ status }, value] as const),
  )
  gauge(
    'ws_lagging_clients',
    'Clients above the soft limit (receiving conflated prices).',
    [],
    () => one(hub.lagging.size),
  )
  gauge('ws_buffered_bytes', 'Unsent bytes over all clients.', [], () =>
    one(hub.stats().bufferedBytes),
  )
  gauge('ws_max_buffered_bytes', 'The most unsent bytes seen on one client.', [], () =>
    one(counters.maxBuffered),
  )

  const latency = new Histogram({
    name: `${PREFIX}ws_price_latency_seconds`,
    help: 'Price update latency until sent to clients: from=receive (frame received by this process), from=exchange (exchange event time).',
    labelNames: ['from'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  })
  const fromReceive = latency.labels({ from: 'receive' })
  const fromExchange = latency.labels({ from: 'exchange' })
  hub.sentObserver = (event: AnyStreamEvent, sentAt: number): void => {
    if (event.type !== EventType.PRICE_UPDATE) return
    const update = event.data
    if (update.receivedAt !== undefined) {
      fromReceive.observe(Math.max(0, sentAt - update.receivedAt) / 1000)
    }
    fromExchange.observe(Math.max(0, sentAt - update.timestamp) / 1000)
  }

  // Feeds, read from the feed source at scrape time.
  const feed =
    (read: (provider: ReturnType<typeof providers>[number]) => number | undefined) =>
    (): Samples => {
      const samples: [Labels, number][] = []
      for (const provider of providers(hub)) {
        const value = read(provider)
        if (value !== undefined) samples.push([{ provider: provider.provider }, value])
      }
      return samples
    }
  gauge(
    'feed_state',
    'Feed state: 1 for the current state of each provider, else 0.',
    ['provider', 'state'],
    () =>
      providers(hub).flatMap((provider) =>
        FEED_STATES.map(
          (state) =>
            [{ provider: provider.provider, state }, provider.state === state ? 1 : 0] as const,
        ),
      ),
  )
  gauge(
    'feed_up',
    '1 while the provider delivered data within its stale window.',
    ['provider'],
    feed((provider) => {
      const last = provider.lastMessageAt
      return last !== undefined && hub.options.clock.now() - last <= provider.staleAfter ? 1 : 0
    }),
  )
  counter(
    'feed_messages_received_total',
    'Data frames received per provider.',
    ['provider'],
    feed((p) => p.messagesReceived),
  )
  counter(
    'feed_reconnects_total',
    'Reconnects per provider.',
    ['provider'],
    feed((p) => p.reconnects),
  )
  counter(
    'feed_dropped_frames_total',
    'Malformed or rejected frames per provider.',
    ['provider'],
    feed((p) => p.droppedFrames),
  )
  gauge(
    'feed_latency_seconds',
    'Last heartbeat round trip per provider.',
    ['provider'],
    feed((p) => (p.latencyMs === undefined ? undefined : p.latencyMs / 1000)),
  )
  gauge(
    'feed_uptime_seconds',
    'Age of the current connection per provider.',
    ['provider'],
    feed((p) => p.uptimeSeconds),
  )
  gauge(
    'feed_last_message_age_seconds',
    'Seconds since the last data frame per provider.',
    ['provider'],
    feed((p) =>
      p.lastMessageAt === undefined
        ? undefined
        : Math.max(0, hub.options.clock.now() - p.lastMessageAt) / 1000,
    ),
  )

  // The bus.
  const bus = () => hub.options.bus.getBusStats()
  counter('bus_events_published_total', 'Events published on the bus.', [], () =>
    one(bus().eventsPublished),
  )
  counter('bus_events_processed_total', 'Handler calls completed by bus subscribers.', [], () =>
    one(bus().eventsProcessed),
  )
  counter(
    'bus_events_dropped_total',
    'Events the bus dropped (full queues, stopped bus).',
    [],
    () => one(bus().eventsDropped),
  )
  counter('bus_handler_errors_total', 'Bus handler calls that threw.', [], () =>
    one(bus().handlerErrors),
  )
  gauge('bus_active_subscriptions', 'Subscriptions on the bus.', [], () =>
    one(bus().activeSubscriptions),
  )

  return {
    contentType: registry.contentType,
    async render() {
      const own = await registry.metrics()
      return includeProcess ? own + (await processMetrics().metrics()) : own
    },
  }
}
