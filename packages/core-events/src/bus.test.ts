import { firstValueFrom, take, toArray } from 'rxjs'
import { describe, expect, it, vi } from 'vitest'
import { Decimal, EventType, createEventBus } from './index.js'
import type { AnyStreamEvent, Clock, Logger, PriceUpdate, ProviderName } from './index.js'

const price = (symbol: string, value: string, source: ProviderName = 'binance'): PriceUpdate => ({
  symbol,
  price: new Decimal(value),
  change24h: new Decimal(0),
  changePercent24h: new Decimal(0),
  volume24h: new Decimal(1),
  timestamp: 1_700_000_000_000,
  source,
})

const started = (options: Parameters<typeof createEventBus>[0] = {}) => {
  const bus = createEventBus(options)
  bus.start()
  return bus
}

const prices = (events: readonly AnyStreamEvent[]): string[] =>
  events.map((event) =>
    event.type === 'price_update' ? `${event.symbol}=${event.data.price.toFixed()}` : event.type,
  )

/** A promise with its resolver, to hold an async handler busy. */
const gate = () => {
  let open = (): void => undefined
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('StreamEventBus', () => {
  it('delivers a published price update to a subscriber with the seed API', () => {
    const bus = started()
    const seen: AnyStreamEvent[] = []
    bus.subscribe('price_handler', (event) => void seen.push(event), {
      eventTypes: [EventType.PRICE_UPDATE],
    })
    const event = bus.publishPriceUpdate('BTC', price('BTC', '50000'))
    expect(seen).toEqual([event])
    expect(event).toMatchObject({ type: 'price_update', source: 'binance', symbol: 'BTC' })
    expect(event.id).toMatch(/^evt-\d+$/)
  })

  it('filters by event type, source, symbol and a custom predicate, all at once', () => {
    const bus = started()
    const byType: string[][] = []
    const record = (name: string, filter: Parameters<typeof bus.subscribe>[2]) => {
      const seen: AnyStreamEvent[] = []
      bus.subscribe(name, (event) => void seen.push(event), filter)
      return seen
    }
    const all = record('all', undefined)
    const coinbase = record('coinbase', { sources: new Set(['coinbase']) })
    const btc = record('btc', { symbols: ['BTC'] })
    const high = record('high', {
      eventTypes: [EventType.PRICE_UPDATE],
      custom: (event) => event.type === 'price_update' && event.data.price.greaterThan(50_000),
    })
    const status = record('status', { eventTypes: [EventType.FEED_STATUS] })

    bus.publishPriceUpdate('BTC', price('BTC', '50001'))
    bus.publishPriceUpdate('ETH', price('ETH', '3000', 'coinbase'))
    bus.publishPriceUpdate('BTC', price('BTC', '49999', 'coinbase'))
    bus.publish(
      bus.createEvent(
        'feed_status',
        { provider: 'binance', state: 'connected', symbols: ['BTC'] },
        { source: 'binance' },
      ),
    )

    byType.push(prices(all), prices(coinbase), prices(btc), prices(high), prices(status))
    expect(byType).toEqual([
      ['BTC=50001', 'ETH=3000', 'BTC=49999', 'feed_status'],
      ['ETH=3000', 'BTC=49999'],
      ['BTC=50001', 'BTC=49999'],
      ['BTC=50001'],
      ['feed_status'],
    ])
  })

  it('keeps delivering to others when a handler throws, and counts and logs the error', () => {
    const errors: object[] = []
    const logger: Logger = {
      error: (obj) => void errors.push(obj),
      warn: vi.fn(),
      info: vi.fn(),
      debug: vi.fn(),
    }
    const bus = started({ logger })
    const seen: string[] = []
    bus.subscribe('first', () => void seen.push('first'))
    bus.subscribe('broken', () => {
      throw new Error('boom')
    })
    bus.subscribe('last', () => void seen.push('last'))
    bus.publishPriceUpdate('BTC', price('BTC', '1'))
    bus.publishPriceUpdate('BTC', price('BTC', '2'))
    expect(seen).toEqual(['first', 'last', 'first', 'last'])
    expect(bus.getBusStats()).toMatchObject({
      eventsPublished: 2,
      eventsProcessed: 4,
      handlerErrors: 2,
    })
    expect(errors[0]).toMatchObject({ subscription: 'broken', eventType: 'price_update' })
  })

  it('counts a rejected async handler as an error and goes on with the next event', async () => {
    const bus = started()
    const seen: string[] = []
    bus.subscribe('flaky', async (event) => {
      await Promise.resolve()
      if (event.type === 'price_update' && event.data.price.equals(1)) throw new Error('rejected')
      seen.push(prices([event])[0]!)
    })
    bus.publishPriceUpdate('BTC', price('BTC', '1'))
    bus.publishPriceUpdate('BTC', price('BTC', '2'))
    await flush()
    expect(seen).toEqual(['BTC=2'])
    expect(bus.getBusStats()).toMatchObject({ handlerErrors: 1, eventsProcessed: 1 })
  })

  it('does not let a slow async handler delay the others, and delivers its queue in order', async () => {
    const bus = started()
    const slowSeen: string[] = []
    const fastSeen: string[] = []
    const hold = gate()
    bus.subscribe('slow', async (event) => {
      await hold.promise
      slowSeen.push(prices([event])[0]!)
    })
    bus.subscribe('fast', (event) => void fastSeen.push(prices([event])[0]!))
    for (const value of ['1', '2', '3']) bus.publishPriceUpdate('BTC', price('BTC', value))
    expect(fastSeen).toEqual(['BTC=1', 'BTC=2', 'BTC=3'])
    expect(slowSeen).toEqual([])
    expect(bus.getBusStats().queued).toBe(2)
    hold.open()
    await flush()
    expect(slowSeen).toEqual(['BTC=1', 'BTC=2', 'BTC=3'])
    expect(bus.getBusStats().queued).toBe(0)
  })

  it('keeps the newest price per symbol when a slow subscriber’s queue overflows', async () => {
    const bus = started()
    const seen: string[] = []
    const hold = gate()
    bus.subscribe(
      'slow',
      async (event) => {
        await hold.promise
        seen.push(prices([event])[0]!)
      },
      undefined,
      { queueSize: 2 },
    )
    bus.publishPriceUpdate('BTC', price('BTC', '1')) // in the handler
    bus.publishPriceUpdate('BTC', price('BTC', '2')) // queued
    bus.publishPriceUpdate('ETH', price('ETH', '10')) // queued (full)
    bus.publishPriceUpdate('BTC', price('BTC', '3')) // replaces BTC=2
    bus.publishPriceUpdate('ETH', price('ETH', '11')) // replaces ETH=10
    bus.publish(
      bus.createEvent(
        'feed_status',
        { provider: 'binance', state: 'stale', symbols: [] },
        { source: 'binance' },
      ),
    ) // drops oldest
    expect(bus.getBusStats()).toMatchObject({ eventsDropped: 3, queued: 2 })
    hold.open()
    await flush()
    expect(seen).toEqual(['BTC=1', 'ETH=11', 'feed_status'])
  })

  it('delivers events published from inside a handler after the current event reaches everyone', () => {
    const bus = started()
    const order: string[] = []
    bus.subscribe('republisher', (event) => {
      order.push(`A:${prices([event])[0]!}`)
      if (event.type === 'price_update' && event.symbol === 'BTC')
        bus.publishPriceUpdate('ETH', price('ETH', '1'))
    })
    bus.subscribe('observer', (event) => void order.push(`B:${prices([event])[0]!}`))
    bus.publishPriceUpdate('BTC', price('BTC', '1'))
    expect(order).toEqual(['A:BTC=1', 'B:BTC=1', 'A:ETH=1', 'B:ETH=1'])
  })

  it('stops delivering after unsubscribe, and unsubscribing twice is harmless', () => {
    const bus = started()
    const seen: AnyStreamEvent[] = []
    const unsubscribe = bus.subscribe('once', (event) => void seen.push(event))
    bus.publishPriceUpdate('BTC', price('BTC', '1'))
    unsubscribe()
    unsubscribe()
    bus.publishPriceUpdate('BTC', price('BTC', '2'))
    expect(seen).toHaveLength(1)
    expect(bus.getBusStats().activeSubscriptions).toBe(0)
    expect(bus.unsubscribe('once')).toBe(false)
  })

  it('rejects a duplicate or empty subscription id with the fix in the message', () => {
    const bus = started()
    bus.subscribe('dup', () => undefined)
    expect(() => bus.subscribe('dup', () => undefined)).toThrow(
      /already exists; unsubscribe it first/,
    )
    expect(() => bus.subscribe('', () => undefined)).toThrow(/non-empty string/)
    expect(() => createEventBus({ historySize: -1 })).toThrow(/historySize must be an integer >= 0/)
    expect(() => bus.subscribe('q', () => undefined, undefined, { queueSize: 0 })).toThrow(
      /queueSize/,
    )
  })

  it('keeps a bounded history, oldest first, queryable by filter and limit', () => {
    const bus = started({ historySize: 3 })
    for (let i = 1; i <= 5; i++) {
      const symbol = i % 2 === 0 ? 'ETH' : 'BTC'
      bus.publishPriceUpdate(symbol, price(symbol, String(i)))
    }
    expect(prices(bus.getHistory())).toEqual(['BTC=3', 'ETH=4', 'BTC=5'])
    expect(prices(bus.getHistory({ filter: { symbols: ['BTC'] } }))).toEqual(['BTC=3', 'BTC=5'])
    expect(prices(bus.getHistory({ limit: 1 }))).toEqual(['BTC=5'])
    expect(bus.getBusStats().historySize).toBe(3)
    const none = started({ historySize: 0 })
    none.publishPriceUpdate('BTC', price('BTC', '1'))
    expect(none.getHistory()).toEqual([])
  })

  it('drops and counts events published before start or after stop, and ends subscriptions on stop', async () => {
    const bus = createEventBus()
    expect(
      bus.publish(
        bus.createEvent('price_update', price('BTC', '1'), { source: 'binance', symbol: 'BTC' }),
      ),
    ).toBe(false)
    bus.start()
    const completed = vi.fn()
    bus.observe().subscribe({ complete: completed })
    bus.subscribe('plain', () => undefined)
    expect(bus.getBusStats().activeSubscriptions).toBe(2)
    bus.stop()
    expect(bus.running).toBe(false)
    expect(completed).toHaveBeenCalledOnce()
    expect(bus.getBusStats()).toMatchObject({ activeSubscriptions: 0, eventsDropped: 1 })
    bus.publishPriceUpdate('BTC', price('BTC', '2'))
    expect(bus.getBusStats()).toMatchObject({ eventsDropped: 2, eventsPublished: 0 })
    bus.start()
    expect(bus.running).toBe(true)
    const next = firstValueFrom(bus.observe())
    bus.publishPriceUpdate('BTC', price('BTC', '3'))
    expect(prices([await next])).toEqual(['BTC=3'])
  })

  it('offers an Observable view that unsubscribes from the bus when the subscriber leaves', async () => {
    const bus = started()
    const firstTwo = firstValueFrom(bus.observe({ symbols: ['ETH'] }).pipe(take(2), toArray()))
    bus.publishPriceUpdate('BTC', price('BTC', '1'))
    bus.publishPriceUpdate('ETH', price('ETH', '2'))
    bus.publishPriceUpdate('ETH', price('ETH', '3'))
    expect(prices(await firstTwo)).toEqual(['ETH=2', 'ETH=3'])
    expect(bus.getBusStats().activeSubscriptions).toBe(0)
  })

  it('stamps events with the injected clock', () => {
    const clock: Clock = {
      now: () => 42,
      setTimeout: vi.fn(),
      clearTimeout: vi.fn(),
      setInterval: vi.fn(),
      clearInterval: vi.fn(),
    }
    const bus = started({ clock })
    expect(bus.publishPriceUpdate('BTC', price('BTC', '1')).timestamp).toBe(42)
  })

  it('checks each filter once per event, not once per copy', () => {
    const bus = started()
    const custom = vi.fn(() => true)
    for (let i = 0; i < 10; i++) bus.subscribe(`s${i}`, () => undefined, { custom })
    bus.publishPriceUpdate('BTC', price('BTC', '1'))
    expect(custom).toHaveBeenCalledTimes(10)
    expect(bus.getBusStats()).toMatchObject({
      eventsPublished: 1,
      eventsProcessed: 10,
      activeSubscriptions: 10,
    })
  })
})
