import { createEventBus } from '@crypto-analyzer/core-events'
import type { StreamEventBus } from '@crypto-analyzer/core-events'
import { ManualClock } from '@crypto-analyzer/test-support'
import { afterEach, describe, expect, it } from 'vitest'
import { createWsServer } from './index.js'
import type { ProviderStatusLike, WsServer, WsServerOptions } from './index.js'
import { TEST_START, connect, ofType, price, startServer } from './test-support/harness.js'
import type { Harness } from './test-support/harness.js'

const servers: WsServer[] = []
let harness: Harness | undefined

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
  await harness?.stop()
  harness = undefined
})

function provider(
  clock: ManualClock,
  overrides: Partial<ProviderStatusLike> = {},
): ProviderStatusLike {
  return {
    provider: 'binance',
    primary: true,
    state: 'connected',
    symbols: ['BTC', 'ETH'],
    messagesReceived: 120,
    uptimeSeconds: 12.1234,
    latencyMs: 35.24,
    reconnects: 1,
    droppedFrames: 2,
    lastMessageAt: clock.now() - 1000,
    staleAfter: 30_000,
    ...overrides,
  }
}

function server(options: Partial<WsServerOptions> & { bus?: StreamEventBus } = {}): {
  server: WsServer
  bus: StreamEventBus
} {
  const bus = options.bus ?? createEventBus()
  bus.start()
  const created = createWsServer({
    symbols: ['BTC', 'ETH'],
    processMetrics: false,
    ...options,
    bus,
  })
  servers.push(created)
  return { server: created, bus }
}

describe('ws-server /status', () => {
  it('reports the contract document from the feeds, the bus and the server', async () => {
    const clock = new ManualClock(TEST_START)
    let providers = [
      provider(clock),
      provider(clock, {
        provider: 'coinbase',
        primary: false,
        latencyMs: undefined,
        lastMessageAt: undefined,
      }),
    ]
    const { server: s, bus } = server({
      clock,
      version: '1.2.3',
      feeds: { getStatus: () => ({ providers }) },
    })
    bus.subscribe('other', () => undefined)
    bus.publishPriceUpdate('BTC', price('BTC', '1'))
    clock.advance(12_345)
    const response = await s.app.request('/status')
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({
      status: 'ok',
      version: '1.2.3',
      uptime_seconds: 12.3,
      clients: 0,
      rooms: {},
      feeds: [
        {
          provider: 'binance',
          state: 'connected',
          symbols: ['BTC', 'ETH'],
          messages_received: 120,
          uptime_seconds: 12.1,
          latency_ms: 35.2,
          reconnects: 1,
          dropped_frames: 2,
          last_message_at: '2025-07-03T09:59:59.000Z',
        },
        {
          provider: 'coinbase',
          state: 'connected',
          symbols: ['BTC', 'ETH'],
          messages_received: 120,
          uptime_seconds: 12.1,
          latency_ms: null,
          reconnects: 1,
          dropped_frames: 2,
          last_message_at: null,
        },
      ],
      bus: { events_published: 1, events_processed: 2, active_subscriptions: 2 },
    })
    providers = [provider(clock, { state: 'reconnecting', lastMessageAt: clock.now() })]
    expect(await (await s.app.request('/status')).json()).toMatchObject({ status: 'degraded' })
  })

  it('counts clients and room members of live connections', async () => {
    harness = await startServer({ version: '9.9.9' })
    const a = await connect(harness.wsUrl)
    const b = await connect(harness.wsUrl)
    a.send({ type: 'join_room', room: 'prices' })
    b.send({ type: 'join_room', room: 'prices' })
    b.send({ type: 'join_room', room: 'prices:BTC' })
    await a.next(ofType('room_joined'))
    await b.collect(2, ofType('room_joined'))
    const body = (await (await fetch(`${harness.url}/status`)).json()) as Record<string, unknown>
    expect(body).toMatchObject({
      clients: 2,
      rooms: { prices: 2, 'prices:BTC': 1 },
      version: '9.9.9',
    })
    await a.close()
    await b.close()
  })

  it('defaults version to the package version', async () => {
    const { server: s } = server()
    const body = (await (await s.app.request('/status')).json()) as { version: string }
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('ws-server /health', () => {
  it('is 200 while a feed delivered within its stale window, else 503', async () => {
    const clock = new ManualClock(TEST_START)
    let providers = [provider(clock, { lastMessageAt: undefined })]
    const { server: s } = server({ clock, feeds: { getStatus: () => ({ providers }) } })
    let response = await s.app.request('/health')
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({
      status: 'unavailable',
      reason: 'no feed delivered data within its stale window',
    })
    providers = [
      provider(clock, { lastMessageAt: clock.now() - 40_000 }),
      provider(clock, {
        provider: 'coinbase',
        lastMessageAt: clock.now() - 5000,
        staleAfter: 10_000,
      }),
    ]
    response = await s.app.request('/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
    clock.advance(5001)
    expect((await s.app.request('/health')).status).toBe(503)
  })

  it('uses the last price sent when there is no feed source', async () => {
    const clock = new ManualClock(TEST_START)
    const { server: s, bus } = server({ clock, staleAfter: 1000 })
    expect((await s.app.request('/health')).status).toBe(503)
    bus.publishPriceUpdate('BTC', price('BTC', '1'))
    expect((await s.app.request('/health')).status).toBe(200)
    clock.advance(1001)
    expect((await s.app.request('/health')).status).toBe(503)
  })

  it('treats a failing feed source as no feed, without throwing', async () => {
    const { server: s } = server({
      feeds: {
        getStatus: () => {
          throw new Error('boom')
        },
      },
    })
    expect((await s.app.request('/health')).status).toBe(503)
    expect((await s.app.request('/status')).status).toBe(200)
  })
})

describe('ws-server /metrics', () => {
  it('exposes server, feed, bus and latency metrics in Prometheus text format', async () => {
    const clock = new ManualClock(TEST_START)
    const { server: s, bus } = server({
      clock,
      feeds: { getStatus: () => ({ providers: [provider(clock)] }) },
    })
    bus.publishPriceUpdate(
      'BTC',
      price('BTC', '1', { receivedAt: clock.now() - 3, timestamp: clock.now() - 20 }),
    )
    const response = await s.app.request('/metrics')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/plain')
    const text = await response.text()
    for (const line of [
      'crypto_analyzer_ws_clients 0',
      'crypto_analyzer_ws_room_members{room="prices:BTC"} 0',
      'crypto_analyzer_ws_messages_received_total 0',
      'crypto_analyzer_ws_messages_sent_total{type="price_update"} 0',
      'crypto_analyzer_ws_conflated_messages_total 0',
      'crypto_analyzer_ws_dropped_messages_total{reason="slow_client"} 0',
      'crypto_analyzer_ws_closed_connections_total{reason="rate_limited"} 0',
      'crypto_analyzer_ws_client_errors_total{code="invalid_json"} 0',
      'crypto_analyzer_ws_price_latency_seconds_bucket{le="0.005",from="receive"} 1',
      'crypto_analyzer_ws_price_latency_seconds_bucket{le="0.01",from="exchange"} 0',
      'crypto_analyzer_ws_price_latency_seconds_bucket{le="0.025",from="exchange"} 1',
      'crypto_analyzer_feed_state{provider="binance",state="connected"} 1',
      'crypto_analyzer_feed_state{provider="binance",state="stale"} 0',
      'crypto_analyzer_feed_up{provider="binance"} 1',
      'crypto_analyzer_feed_messages_received_total{provider="binance"} 120',
      'crypto_analyzer_feed_reconnects_total{provider="binance"} 1',
      'crypto_analyzer_feed_dropped_frames_total{provider="binance"} 2',
      'crypto_analyzer_feed_latency_seconds{provider="binance"} 0.03524',
      'crypto_analyzer_feed_last_message_age_seconds{provider="binance"} 1',
      'crypto_analyzer_bus_events_published_total 1',
      'crypto_analyzer_bus_active_subscriptions 1',
    ]) {
      expect(text.split('\n')).toContain(line)
    }
    expect(text).not.toContain('process_cpu_user_seconds_total')
  })

  it('includes Node.js process metrics unless turned off', async () => {
    const { server: s } = server({ processMetrics: true })
    const text = await (await s.app.request('/metrics')).text()
    expect(text).toContain('process_cpu_user_seconds_total')
    expect(text).toContain('nodejs_eventloop_lag_seconds')
    expect(text).toContain('crypto_analyzer_ws_clients 0')
  })
})

describe('ws-server dashboard', () => {
  it('serves a self-contained page with a strict content security policy', async () => {
    const { server: s } = server({ token: 'secret' })
    const response = await s.app.request('/', { headers: { host: '127.0.0.1:8000' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:8000 wss://127.0.0.1:8000")
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await response.text()
    expect(html).toContain('<script src="/dashboard.js"')
    // Nothing loaded from elsewhere (the favicon is a data: URL).
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(html).toContain('<link rel="stylesheet" href="/dashboard.css" />')
    const script = await s.app.request('/dashboard.js')
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await script.text()).toContain('join_room')
    expect((await s.app.request('/dashboard.css')).status).toBe(200)
  })

  it('answers unknown paths with 404', async () => {
    const { server: s } = server()
    expect((await s.app.request('/nope')).status).toBe(404)
  })
})
