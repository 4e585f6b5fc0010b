import { Decimal, createEventBus, formatDecimal } from '@crypto-analyzer/core-events'
import type { AnyStreamEvent, FeedStatus, PriceUpdate } from '@crypto-analyzer/core-events'
import { describe, expect, it } from 'vitest'
import { FeedError, MOCK_DEFAULT_SYMBOLS, createPriceFeedManager } from './index.js'
import { ManualClock } from '@crypto-analyzer/test-support'

function mockFeed(options: { seed?: number; interval?: number; symbols?: string[] } = {}) {
  const clock = new ManualClock()
  const manager = createPriceFeedManager({
    clock,
    mock: {
      seed: options.seed ?? 42,
      ...(options.interval === undefined ? {} : { interval: options.interval }),
    },
  })
  manager.addProvider('mock', options.symbols ?? [])
  const updates: PriceUpdate[] = []
  manager.addHandler((update) => updates.push(update))
  return { clock, manager, updates }
}

const prices = (updates: readonly PriceUpdate[]) =>
  updates.map((u) => `${u.symbol}=${formatDecimal(u.price)}/${formatDecimal(u.volume24h)}`)

describe('mock provider', () => {
  it('streams the five default symbols, the first update at once on start', async () => {
    const { manager, updates } = mockFeed()
    await manager.start()
    expect(MOCK_DEFAULT_SYMBOLS).toEqual(['BTC', 'ETH', 'ADA', 'DOT', 'LINK'])
    expect(updates.map((u) => u.symbol)).toEqual([...MOCK_DEFAULT_SYMBOLS])
    expect(updates.every((u) => u.source === 'mock')).toBe(true)
    await manager.stop()
  })

  it('sends one update per symbol per interval', async () => {
    const { manager, updates, clock } = mockFeed({ interval: 250, symbols: ['BTC', 'ETH'] })
    await manager.start()
    expect(updates).toHaveLength(2)
    clock.advance(249)
    expect(updates).toHaveLength(2)
    clock.advance(1)
    expect(updates).toHaveLength(4)
    clock.advance(1000)
    expect(updates).toHaveLength(12)
    expect(updates.slice(-2).map((u) => [u.symbol, u.timestamp])).toEqual([
      ['BTC', clock.now()],
      ['ETH', clock.now()],
    ])
    await manager.stop()
  })

  it('repeats the same prices for the same seed, whatever the interval', async () => {
    const a = mockFeed({ seed: 7, interval: 1000 })
    const b = mockFeed({ seed: 7, interval: 1 })
    const c = mockFeed({ seed: 8, interval: 1000 })
    for (const feed of [a, b, c]) await feed.manager.start()
    a.clock.advance(50_000)
    b.clock.advance(50)
    c.clock.advance(50_000)
    expect(a.updates).toHaveLength(255)
    expect(prices(b.updates)).toEqual(prices(a.updates))
    expect(prices(c.updates)).not.toEqual(prices(a.updates))
    // A symbol's path does not depend on the other symbols streamed.
    const d = mockFeed({ seed: 7, interval: 1000, symbols: ['ETH'] })
    await d.manager.start()
    d.clock.advance(50_000)
    expect(prices(d.updates)).toEqual(prices(a.updates.filter((u) => u.symbol === 'ETH')))
    for (const feed of [a, b, c, d]) await feed.manager.stop()
  })

  it('walks realistically: positive, bounded steps, consistent 24h figures, plausible volume', async () => {
    const { manager, updates, clock } = mockFeed({
      seed: 1234,
      interval: 1,
      symbols: ['BTC', 'ETH', 'ADA', 'DOT', 'LINK', 'XYZ'],
    })
    await manager.start()
    clock.advance(1000)
    const first = new Map<string, PriceUpdate>()
    const last = new Map<string, PriceUpdate>()
    for (const update of updates) {
      const previous = last.get(update.symbol)
      expect(update.price.greaterThan(0)).toBe(true)
      expect(update.volume24h.greaterThan(0)).toBe(true)
      if (previous !== undefined) {
        const move = update.price.minus(previous.price).abs().dividedBy(previous.price)
        // 0.1 % per step, plus one tick of rounding.
        expect(move.lessThanOrEqualTo('0.0011')).toBe(true)
      }
      const open = update.price.minus(update.change24h)
      expect(open.greaterThan(0)).toBe(true)
      expect(
        update.changePercent24h.equals(
          update.change24h.times(100).dividedBy(open).toDecimalPlaces(4, Decimal.ROUND_HALF_UP),
        ),
      ).toBe(true)
      expect(update.bid?.lessThan(update.price)).toBe(true)
      expect(update.ask?.greaterThan(update.price)).toBe(true)
      if (!first.has(update.symbol)) first.set(update.symbol, update)
      last.set(update.symbol, update)
    }
    expect(updates).toHaveLength(6 * 1001)
    const start = (symbol: string) => first.get(symbol)?.price.toNumber() ?? 0
    expect(start('BTC')).toBeGreaterThan(30_000)
    expect(start('BTC')).toBeLessThan(150_000)
    expect(start('ETH')).toBeGreaterThan(1000)
    expect(start('ADA')).toBeLessThan(5)
    expect(start('XYZ')).toBeGreaterThanOrEqual(0.1)
    expect(start('XYZ')).toBeLessThanOrEqual(1000)
    const btc = last.get('BTC')
    // 24h base volume of BTC on a big venue: thousands to a few hundred thousand coins.
    expect(btc?.volume24h.toNumber()).toBeGreaterThan(1000)
    expect(btc?.volume24h.toNumber()).toBeLessThan(500_000)
    // 24h change stays within a believable band after 1000 steps.
    for (const update of last.values()) {
      expect(update.changePercent24h.abs().toNumber()).toBeLessThan(50)
    }
    await manager.stop()
  })

  it('takes its interval from mock.interval and rejects a bad one at once', async () => {
    const clock = new ManualClock()
    const manager = createPriceFeedManager({ clock, mock: { seed: 1, interval: 100 } })
    manager.addProvider('mock', ['BTC'])
    const updates: PriceUpdate[] = []
    manager.addHandler((u) => updates.push(u))
    await manager.start()
    clock.advance(1000)
    expect(updates).toHaveLength(11)
    await manager.stop()

    for (const bad of [0, -5, 1.5, Number.NaN, '100' as unknown as number]) {
      expect(() => createPriceFeedManager({ mock: { interval: bad } })).toThrow(
        /mock.interval must be an integer >= 1/,
      )
    }
    expect(() => createPriceFeedManager({ mock: { seed: 1.5 } })).toThrow(/mock.seed/)
  })

  it('reports status per provider and per symbol, and the latest price', async () => {
    const { manager, clock } = mockFeed({ interval: 1000, symbols: ['BTC', 'ETH'] })
    expect(manager.getStatus().providers[0]).toMatchObject({
      provider: 'mock',
      state: 'stopped',
      primary: true,
    })
    await manager.start()
    clock.advance(2000)
    const status = manager.getStatus()
    expect(status.providers).toEqual([
      {
        provider: 'mock',
        primary: true,
        state: 'connected',
        symbols: ['BTC', 'ETH'],
        messagesReceived: 6,
        uptimeSeconds: 2,
        latencyMs: undefined,
        reconnects: 0,
        droppedFrames: 0,
        lastMessageAt: clock.now(),
        staleAfter: 30_000,
        exchangeLatencyMs: undefined,
        outOfOrder: 0,
        unavailableSymbols: [],
      },
    ])
    expect(status.symbols).toEqual([
      { symbol: 'BTC', primary: 'mock', servedBy: 'mock', lastUpdateAt: clock.now(), stale: false },
      { symbol: 'ETH', primary: 'mock', servedBy: 'mock', lastUpdateAt: clock.now(), stale: false },
    ])
    expect(manager.getLatest('btc')?.timestamp).toBe(clock.now())
    expect(manager.getLatest('DOGE')).toBeUndefined()
    await manager.stop()
  })

  it('publishes updates and statuses on the bus and the Observables, and completes them on stop', async () => {
    const clock = new ManualClock()
    const bus = createEventBus({ clock })
    bus.start()
    const events: AnyStreamEvent[] = []
    bus.subscribe('test', (event) => {
      events.push(event)
    })
    const manager = createPriceFeedManager({ clock, bus, mock: { seed: 3 } })
    manager.addProvider('mock', ['BTC'])
    const observed: PriceUpdate[] = []
    const statuses: FeedStatus[] = []
    let completed = 0
    manager.updates$.subscribe({ next: (u) => observed.push(u), complete: () => completed++ })
    manager.status$.subscribe({ next: (s) => statuses.push(s), complete: () => completed++ })
    await manager.start()
    clock.advance(1000)
    await manager.stop()
    expect(observed).toHaveLength(2)
    expect(statuses.map((s) => s.state)).toEqual(['connected', 'stopped'])
    expect(completed).toBe(2)
    expect(events.map((e) => `${e.type}:${e.source}:${e.symbol ?? ''}`)).toEqual([
      'feed_status:mock:',
      'price_update:mock:BTC',
      'price_update:mock:BTC',
      'feed_status:mock:',
    ])
    expect(events[1]?.data).toBe(observed[0])
    expect(clock.pending).toBe(0)
  })

  it('keeps streaming when a handler throws', async () => {
    const { manager, updates, clock } = mockFeed({ symbols: ['BTC'] })
    manager.addHandler(() => {
      throw new Error('handler bug')
    })
    await manager.start()
    clock.advance(3000)
    expect(updates).toHaveLength(4)
    await manager.stop()
  })

  it('stops its timers and cannot be restarted', async () => {
    const { manager, updates, clock } = mockFeed()
    await manager.start()
    await manager.stop()
    expect(clock.pending).toBe(0)
    clock.advance(10_000)
    expect(updates).toHaveLength(5)
    expect(manager.getStatus().providers[0]?.state).toBe('stopped')
    await expect(manager.start()).rejects.toThrow(FeedError)
    await expect(manager.start()).rejects.toMatchObject({ reason: 'invalid-state' })
  })
})
