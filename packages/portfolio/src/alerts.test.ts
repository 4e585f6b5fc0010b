import { EventType, createEventBus } from '@crypto-analyzer/core-events'
import type {
  AlertEvent,
  FeedStatus,
  PriceUpdate,
  ProviderName,
} from '@crypto-analyzer/core-events'
import { ManualClock } from '@crypto-analyzer/test-support'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { PortfolioError, createAlertEngine } from './index.js'
import type { TriggeredAlert } from './index.js'
import { price } from './test-support/prices.js'

function setup(options: { staleAfter?: number } = {}) {
  const clock = new ManualClock()
  const engine = createAlertEngine({ clock, ...options })
  const fired: TriggeredAlert[] = []
  engine.onAlert((event) => fired.push(event))
  const feed = (
    p: string,
    extra: { source?: ProviderName; age?: number; timestamp?: number } = {},
  ) =>
    engine.evaluate(
      price('BTC', {
        price: p,
        timestamp: extra.timestamp ?? clock.now() - (extra.age ?? 0),
        source: extra.source ?? 'binance',
      }),
    )
  return { clock, engine, fired, feed }
}

describe('createAlertEngine edges', () => {
  it('fires once on the false → true edge and re-arms when the condition is false again', () => {
    const { engine, fired, feed, clock } = setup()
    const alert = engine.addAlert({
      symbol: 'btc',
      condition: 'price > 50000',
      message: 'BTC above 50k',
    })
    expect(alert.id).toMatch(/^[0-9a-f]{8}$/)
    expect(alert.armed).toBe(true)
    feed('49000')
    expect(fired).toHaveLength(0)
    clock.advance(1000)
    const result = feed('50001.5')
    expect(result).toHaveLength(1)
    expect(fired).toHaveLength(1)
    expect(fired[0]).toMatchObject({
      id: alert.id,
      symbol: 'BTC',
      condition: 'price > 50000',
      message: 'BTC above 50k',
      triggeredAt: clock.now(),
      source: 'binance',
    })
    expect(fired[0]?.price.toFixed()).toBe('50001.5')
    feed('50002')
    feed('50003')
    expect(fired).toHaveLength(1)
    expect(engine.listAlerts()[0]).toMatchObject({
      armed: false,
      triggerCount: 1,
      lastTriggeredAt: clock.now(),
    })
    feed('50000') // false: re-arms
    expect(engine.listAlerts()[0]?.armed).toBe(true)
    feed('50000.01')
    expect(fired).toHaveLength(2)
    expect(fired[1]?.price.toFixed()).toBe('50000.01')
  })

  it('fires a new alert once at the first live price when its condition already holds', () => {
    const { engine, fired, feed } = setup()
    feed('60000')
    engine.addAlert({ symbol: 'BTC', condition: 'price > 50000' })
    expect(fired).toHaveLength(0)
    feed('60001')
    feed('60002')
    expect(fired.map((e) => e.price.toFixed())).toEqual(['60001'])
    expect(fired[0]?.message).toBe('BTC price > 50000')
  })

  it('needs every clause joined with and', () => {
    const { engine, fired } = setup()
    engine.addAlert({ symbol: 'BTC', condition: 'price > 100 and change_percent_24h < -5' })
    const at = (p: string, percent: string) =>
      engine.evaluate(price('BTC', { price: p, percent, timestamp: Date.now() }))
    at('101', '-4')
    at('99', '-6')
    expect(fired).toHaveLength(0)
    at('101', '-6')
    expect(fired).toHaveLength(1)
  })

  it('spaces repeats by the cooldown: an edge within it waits while the alert stays armed', () => {
    const { engine, fired, feed, clock } = setup()
    engine.addAlert({ symbol: 'BTC', condition: 'price > 100', cooldown: 60_000 })
    feed('101')
    expect(fired).toHaveLength(1)
    clock.advance(10_000)
    feed('99')
    feed('102') // an edge 10 s after the firing: held back
    expect(fired).toHaveLength(1)
    expect(engine.getStats().deferredByCooldown).toBe(1)
    expect(engine.listAlerts()[0]?.armed).toBe(true)
    clock.advance(49_999)
    feed('103')
    expect(fired).toHaveLength(1)
    clock.advance(1)
    feed('104') // cooldown over, condition still true: fires now
    expect(fired.map((e) => e.price.toFixed())).toEqual(['101', '104'])
    clock.advance(120_000)
    feed('105')
    expect(fired).toHaveLength(2) // no edge: still true since the last firing
  })

  it('drops an edge that ended before the cooldown did', () => {
    const { engine, fired, feed, clock } = setup()
    engine.addAlert({ symbol: 'BTC', condition: 'price > 100', cooldown: 5000 })
    feed('101')
    clock.advance(1000)
    feed('99')
    feed('101')
    feed('99')
    clock.advance(10_000)
    feed('99')
    expect(fired).toHaveLength(1)
    feed('101') // a new edge after the cooldown
    expect(fired).toHaveLength(2)
  })
})

describe('createAlertEngine stale and reconnect rules', () => {
  it('never fires or re-arms on a price older than staleAfter', () => {
    const { engine, fired, feed } = setup({ staleAfter: 30_000 })
    engine.addAlert({ symbol: 'BTC', condition: 'price > 100' })
    expect(feed('101', { age: 30_001 })).toEqual([])
    expect(fired).toHaveLength(0)
    expect(engine.getStats().ignoredStale).toBe(1)
    feed('101', { age: 30_000 }) // exactly staleAfter old is still live
    expect(fired).toHaveLength(1)
    feed('99', { age: 40_000 }) // a stale false price must not re-arm
    expect(engine.listAlerts()[0]?.armed).toBe(false)
    feed('101')
    expect(fired).toHaveLength(1)
  })

  it('ignores frames from before a reconnect seen as feed_status on the bus', () => {
    const clock = new ManualClock()
    const bus = createEventBus({ clock })
    bus.start()
    const engine = createAlertEngine({ clock, bus })
    engine.attach(bus)
    const fired: AlertEvent[] = []
    engine.onAlert((event) => fired.push(event))
    engine.addAlert({ symbol: 'BTC', condition: 'price > 100' })
    const status = (provider: ProviderName, state: FeedStatus['state']) =>
      bus.publish(
        bus.createEvent(
          EventType.FEED_STATUS,
          { provider, state, symbols: ['BTC'] },
          { source: provider },
        ),
      )
    const publish = (p: string, timestamp: number, source: ProviderName = 'binance') =>
      bus.publishPriceUpdate('BTC', price('BTC', { price: p, timestamp, source }))

    status('binance', 'connecting')
    clock.advance(10)
    status('binance', 'connected') // the first connect is not a reconnect
    publish('99', clock.now() - 5)
    clock.advance(1000)
    const beforeDrop = clock.now()
    status('binance', 'reconnecting')
    clock.advance(2000)
    status('binance', 'connected')
    const reconnectedAt = clock.now()
    // A frame buffered from before the reconnect arrives late: ignored, even though it is recent.
    publish('101', beforeDrop)
    expect(fired).toHaveLength(0)
    expect(engine.getStats().ignoredBeforeReconnect).toBe(1)
    // Other providers are not affected.
    publish('101', beforeDrop, 'coinbase')
    expect(fired).toHaveLength(1)
    expect(fired[0]).toMatchObject({ source: 'coinbase' })
    publish('99', reconnectedAt, 'coinbase')
    // Post-reconnect frames count.
    publish('102', reconnectedAt)
    expect(fired).toHaveLength(2)
    expect(fired[1]?.price.toFixed()).toBe('102')
    const events = bus.getHistory({ filter: { eventTypes: [EventType.ALERT_TRIGGERED] } })
    expect(events.map((e) => [e.source, e.symbol, (e.data as AlertEvent).price.toFixed()])).toEqual(
      [
        ['alerts', 'BTC', '101'],
        ['alerts', 'BTC', '102'],
      ],
    )
    engine.stop()
    expect(bus.getBusStats().activeSubscriptions).toBe(0)
    bus.stop()
  })

  it('treats connected after reconnecting as a reconnect even without an earlier connect', () => {
    const { engine, fired, feed, clock } = setup()
    engine.addAlert({ symbol: 'BTC', condition: 'price > 100' })
    engine.applyFeedStatus({ provider: 'binance', state: 'reconnecting', symbols: ['BTC'] })
    clock.advance(100)
    engine.applyFeedStatus({ provider: 'binance', state: 'connected', symbols: ['BTC'] })
    feed('101', { timestamp: clock.now() - 1 })
    expect(fired).toHaveLength(0)
    feed('101', { timestamp: clock.now() })
    expect(fired).toHaveLength(1)
  })

  it('measures crossings only against the previous update of the same source, never across a reconnect', () => {
    const { engine, fired, feed, clock } = setup()
    engine.addAlert({ symbol: 'BTC', condition: 'price crosses_above 100' })
    feed('101') // no previous price: cannot be a crossing
    feed('99', { source: 'coinbase' })
    clock.advance(1)
    feed('102') // previous binance price 101: no crossing
    expect(fired).toHaveLength(0)
    feed('101', { source: 'coinbase' }) // coinbase 99 → 101
    expect(fired.map((e) => e.source)).toEqual(['coinbase'])
    clock.advance(1)
    feed('99')
    engine.applyFeedStatus(
      { provider: 'binance', state: 'connected', symbols: [] },
      clock.now() - 5,
    )
    engine.applyFeedStatus({ provider: 'binance', state: 'reconnecting', symbols: [] })
    clock.advance(10)
    engine.applyFeedStatus({ provider: 'binance', state: 'connected', symbols: [] })
    feed('105') // 99 was before the reconnect: not a crossing
    expect(fired).toHaveLength(1)
    feed('99')
    feed('100.5')
    expect(fired).toHaveLength(2)
  })

  it('counts and ignores malformed updates given to evaluate or an Observable, never throwing', () => {
    const { engine, fired, clock } = setup()
    engine.addAlert({ symbol: 'BTC', condition: 'price > 100' })
    const good = price('BTC', { price: '101', timestamp: clock.now() })
    const subject = new Subject<PriceUpdate>()
    engine.attach(subject)
    const bad: unknown[] = [null, { ...good, price: 101 }, { ...good, timestamp: undefined }]
    for (const update of bad) expect(engine.evaluate(update as PriceUpdate)).toEqual([])
    subject.next({ ...good, source: undefined } as never)
    expect(fired).toHaveLength(0)
    expect(engine.getStats()).toMatchObject({ evaluated: 0, ignoredOther: bad.length + 1 })
    subject.next(good)
    expect(fired).toHaveLength(1)
  })
})

describe('createAlertEngine management', () => {
  it('validates definitions', () => {
    const { engine } = setup()
    const reasons = (definition: object) => {
      try {
        engine.addAlert(definition as never)
      } catch (error) {
        expect(error).toBeInstanceOf(PortfolioError)
        return (error as PortfolioError).reason
      }
      return 'accepted'
    }
    expect(reasons({ symbol: 'BTC', condition: 'price >' })).toBe('invalid-condition')
    expect(reasons({ symbol: 'B-T', condition: 'price > 1' })).toBe('invalid-input')
    expect(reasons({ symbol: 'BTC', condition: 'price > 1', cooldown: -1 })).toBe('invalid-config')
    expect(reasons({ symbol: 'BTC', condition: 'price > 1', id: 'bad id' })).toBe('invalid-input')
    expect(reasons({ symbol: 'BTC', condition: 'price > 1', message: 5 })).toBe('invalid-input')
    expect(reasons({ symbol: 'BTC', condition: 'price > 1', id: 'a1' })).toBe('accepted')
    expect(reasons({ symbol: 'ETH', condition: 'price > 1', id: 'a1' })).toBe('duplicate-id')
    expect(engine.listAlerts().map((a) => a.id)).toEqual(['a1'])
  })

  it('keeps the arm state of unchanged alerts on replaceAlerts and resets changed ones', () => {
    const { engine, fired, feed } = setup()
    engine.replaceAlerts([
      { id: 'keep', symbol: 'BTC', condition: 'price > 100' },
      { id: 'change', symbol: 'BTC', condition: 'price > 100' },
      { id: 'drop', symbol: 'BTC', condition: 'price > 100' },
    ])
    feed('101')
    expect(fired.map((e) => e.id)).toEqual(['keep', 'change', 'drop'])
    engine.replaceAlerts([
      { id: 'keep', symbol: 'btc', condition: 'price>100.0', message: 'new text' },
      { id: 'change', symbol: 'BTC', condition: 'price > 100.5' },
      { symbol: 'BTC', condition: 'price > 1' },
    ])
    expect(
      engine
        .listAlerts()
        .map((a) => [a.id === 'keep' || a.id === 'change' ? a.id : 'new', a.armed]),
    ).toEqual([
      ['keep', false],
      ['change', true],
      ['new', true],
    ])
    feed('102')
    expect(fired.slice(3).map((e) => e.id === 'change' || e.id === 'keep')).toEqual([true, false])
    expect(fired.slice(3).map((e) => e.message)).toEqual(['BTC price > 100.5', 'BTC price > 1'])
    // A bad definition changes nothing.
    expect(() => {
      engine.replaceAlerts([
        { id: 'x', symbol: 'BTC', condition: 'price > 1' },
        { id: 'x', symbol: 'BTC', condition: 'price > 2' },
      ])
    }).toThrow(/already exists/)
    expect(engine.listAlerts()).toHaveLength(3)
    expect(engine.removeAlert('keep')).toBe(true)
    expect(engine.removeAlert('keep')).toBe(false)
    expect(engine.listAlerts()).toHaveLength(2)
  })

  it('delivers to alerts$ and isolates a throwing handler', () => {
    const { engine, feed } = setup()
    const seen: string[] = []
    engine.onAlert(() => {
      throw new Error('handler bug')
    })
    engine.alerts$.subscribe((event) => seen.push(event.condition))
    engine.addAlert({ symbol: 'BTC', condition: 'price >= 1' })
    feed('1')
    expect(seen).toEqual(['price >= 1'])
    expect(engine.getStats()).toMatchObject({ fired: 1, handlerErrors: 1 })
  })

  it('takes prices from an Observable and stops cleanly', () => {
    const { engine, fired } = setup()
    engine.addAlert({ symbol: 'BTC', condition: 'price > 1' })
    const subject = new Subject<PriceUpdate>()
    engine.attach(subject)
    let completed = false
    engine.alerts$.subscribe({ complete: () => (completed = true) })
    subject.next(price('BTC', { price: '2', timestamp: Date.now() }))
    expect(fired).toHaveLength(1)
    engine.stop()
    expect(completed).toBe(true)
    let lateCompleted = false
    engine.alerts$.subscribe({ complete: () => (lateCompleted = true) })
    expect(lateCompleted).toBe(true)
    expect(subject.observed).toBe(false)
    expect(engine.evaluate(price('BTC', { price: '0.5', timestamp: Date.now() }))).toEqual([])
    expect(() => engine.attach(subject)).toThrow(/stopped/)
  })
})
