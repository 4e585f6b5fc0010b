import { Decimal, EventType, createEventBus } from '@crypto-analyzer/core-events'
import type { AlertEvent, PriceUpdate } from '@crypto-analyzer/core-events'
import { startFakeBinance } from '@crypto-analyzer/fake-exchanges'
import { createPriceFeedManager } from '@crypto-analyzer/price-feeds'
import { describe, expect, it, vi } from 'vitest'
import { PortfolioError, createAlertEngine, createPortfolioMonitor } from './index.js'
import type { PortfolioValuation } from './index.js'

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 })

describe('startMonitoring', () => {
  it('values the holdings from a mock feed it creates, publishes on the bus, and stops the feed', async () => {
    const bus = createEventBus()
    bus.start()
    const monitor = createPortfolioMonitor({ bus, throttle: 0 })
    monitor.addHolding('BTC', '0.5', { costBasis: '30000' })
    monitor.addHolding('ETH', '2')
    const seen: PortfolioValuation[] = []
    monitor.onSnapshot((snapshot) => seen.push(snapshot))
    await monitor.startMonitoring({ feedOptions: { mock: { interval: 20, seed: 7 } } })
    const manager = monitor.getFeedManager()
    expect(manager?.getStatus().providers.map((p) => [p.provider, p.primary, p.symbols])).toEqual([
      ['mock', true, ['BTC', 'ETH']],
    ])
    await waitFor(() => {
      expect(seen.at(-1)?.missing).toEqual([])
    })
    // The snapshot values each holding at the manager's latest price.
    const last = monitor.getSnapshot()
    const btc = manager?.getLatest('BTC')
    const eth = manager?.getLatest('ETH')
    expect(btc?.source).toBe('mock')
    const expected = new Decimal('0.5')
      .mul(btc?.price ?? 0)
      .plus(new Decimal(2).mul(eth?.price ?? 0))
    expect(last.totalValue.toFixed()).toBe(expected.toFixed())
    expect(last.holdings[0]?.unrealizedPnl?.toFixed()).toBe(
      new Decimal('0.5')
        .mul(btc?.price ?? 0)
        .minus(15000)
        .toFixed(),
    )
    // The feed's prices and the snapshots both reached the bus.
    const types = new Set(bus.getHistory().map((event) => event.type))
    expect(types).toContain(EventType.PRICE_UPDATE)
    expect(types).toContain(EventType.PORTFOLIO_UPDATE)
    await monitor.stop()
    expect(manager?.getStatus().providers[0]?.state).toBe('stopped')
    const count = seen.length
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(seen.length).toBe(count)
    bus.stop()
  })

  it('takes prices from a feed manager it is given and leaves that manager running', async () => {
    const manager = createPriceFeedManager({ mock: { interval: 20, seed: 3 } })
    manager.addProvider('mock', ['BTC', 'DOT'])
    await manager.start()
    const monitor = createPortfolioMonitor({ throttle: 0 })
    monitor.addHolding('DOT', '100')
    await monitor.startMonitoring({ feedManager: manager })
    expect(monitor.getFeedManager()).toBe(manager)
    await waitFor(() => {
      expect(monitor.getSnapshot().missing).toEqual([])
    })
    await monitor.stop()
    const after = manager.getLatest('DOT')?.timestamp ?? 0
    await waitFor(() => {
      expect(manager.getLatest('DOT')?.timestamp ?? 0).toBeGreaterThan(after)
    })
    await manager.stop()
  })

  it('lets an alert engine on the same bus fire from the live feed', async () => {
    const bus = createEventBus()
    bus.start()
    const engine = createAlertEngine({ bus })
    engine.attach(bus)
    engine.addAlert({ id: 'any', symbol: 'LINK', condition: 'price > 0 and volume_24h > 0' })
    const monitor = createPortfolioMonitor({ bus })
    monitor.addHolding('LINK', '10')
    await monitor.startMonitoring({ provider: 'mock', feedOptions: { mock: { interval: 20 } } })
    await waitFor(() => {
      expect(bus.getHistory({ filter: { eventTypes: [EventType.ALERT_TRIGGERED] } })).toHaveLength(
        1,
      )
    })
    const [event] = bus.getHistory({ filter: { eventTypes: [EventType.ALERT_TRIGGERED] } })
    expect(event?.source).toBe('alerts')
    expect((event?.data as AlertEvent).id).toBe('any')
    await monitor.stop()
    engine.stop()
    bus.stop()
  })

  // The monitor and the engine trust the order of what the feed brings: the feed manager is
  // where a late frame is discarded, so neither moves a price back nor fires on one.
  it('neither values nor alerts on a late exchange frame, which the feed manager discards', async () => {
    const binance = await startFakeBinance({ tickInterval: 0, pingInterval: 0, seed: 5 })
    const bus = createEventBus()
    bus.start()
    const engine = createAlertEngine({ bus })
    engine.attach(bus)
    engine.addAlert({ id: 'high', symbol: 'BTC', condition: 'price > 100000' })
    const monitor = createPortfolioMonitor({ bus, throttle: 0 })
    monitor.addHolding('BTC', '2')
    try {
      await monitor.startMonitoring({
        provider: 'binance',
        feedOptions: { urls: { binance: binance.url } },
      })
      await waitFor(() => {
        expect(binance.subscriptions()).toEqual(['btcusdt@ticker'])
      })
      const at = Date.now()
      const btc = () => monitor.getSnapshot().holdings[0]?.price?.toFixed()
      binance.emitTicker('btcusdt@ticker', { E: at, c: '65000.00' })
      await waitFor(() => {
        expect(btc()).toBe('65000')
      })
      binance.emitTicker('btcusdt@ticker', { E: at - 1000, c: '200000.00' })
      binance.emitTicker('btcusdt@ticker', { E: at + 1, c: '65001.00' })
      await waitFor(() => {
        expect(btc()).toBe('65001')
      })
      expect(monitor.getSnapshot().totalValue.toFixed()).toBe('130002')
      expect(engine.getStats()).toMatchObject({ fired: 0, evaluated: 2 })
      const prices = bus.getHistory({ filter: { eventTypes: [EventType.PRICE_UPDATE] } })
      expect(prices.map((event) => (event.data as PriceUpdate).price.toFixed())).toEqual([
        '65000',
        '65001',
      ])
      expect(monitor.getFeedManager()?.getStatus().providers[0]?.outOfOrder).toBe(1)
    } finally {
      await monitor.stop()
      engine.stop()
      bus.stop()
      await binance.close()
    }
  })

  it('configures fallbacks in order on the manager it creates', async () => {
    const monitor = createPortfolioMonitor()
    monitor.addHolding('BTC', '1')
    await monitor.startMonitoring({
      provider: 'binance',
      fallback: ['mock'],
      // A closed port: binance never connects; the wiring is what is checked here.
      feedOptions: { urls: { binance: 'ws://127.0.0.1:9/ws' }, mock: { interval: 1000 } },
    })
    const status = monitor.getFeedManager()?.getStatus()
    expect(status?.providers.map((p) => [p.provider, p.primary, p.symbols])).toEqual([
      ['binance', true, ['BTC']],
      ['mock', false, ['BTC']],
    ])
    await monitor.stop()
  })

  it('rejects bad monitoring options and stays startable', async () => {
    const monitor = createPortfolioMonitor()
    await expect(monitor.startMonitoring()).rejects.toMatchObject({
      reason: 'invalid-state',
      message: expect.stringMatching(/no holdings to monitor/) as unknown,
    })
    monitor.addHolding('BTC', '1')
    const cases: [object, RegExp][] = [
      [{ provider: 'ftx' }, /provider "ftx" is not available: use one of binance, coinbase, mock/],
      // A contract provider whose venue price-feeds does not have (yet) cannot stream either.
      [
        { provider: 'kraken' },
        /provider "kraken" is not available: use one of binance, coinbase, mock/,
      ],
      [{ fallback: ['mock'] }, /provider mock is named twice/],
      [{ provider: 'binance', fallback: ['nope'] }, /fallback provider "nope" is not available/],
      [{ fallback: ['okx'] }, /fallback provider "okx" is not available: use one of binance/],
      [{ fallback: 'coinbase' }, /fallback must be a list/],
      [{ feedManager: {} }, /feedManager must be a PriceFeedManager/],
      [
        { feedManager: createPriceFeedManager(), provider: 'mock' },
        /either feedManager .* or provider/,
      ],
    ]
    for (const [options, message] of cases) {
      const error = await monitor.startMonitoring(options as never).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(PortfolioError)
      expect((error as PortfolioError).reason).toBe('invalid-config')
      expect((error as Error).message).toMatch(message)
    }
    // A bad feed option fails in the feed manager (its FeedError passes through).
    const feedError = await monitor
      .startMonitoring({ feedOptions: { mock: { interval: 0 } } })
      .catch((e: unknown) => e)
    expect(feedError).toMatchObject({ code: 'INVALID_CONFIG' })
    await monitor.startMonitoring({ feedOptions: { mock: { interval: 50 } } })
    await expect(monitor.startMonitoring()).rejects.toMatchObject({ reason: 'invalid-state' })
    await monitor.stop()
  })

  it('stops a feed that finishes starting after stop()', async () => {
    const bus = createEventBus()
    bus.start()
    const monitor = createPortfolioMonitor({ bus })
    monitor.addHolding('BTC', '1')
    const starting = monitor.startMonitoring({ feedOptions: { mock: { interval: 10 } } })
    await monitor.stop()
    await starting
    expect(monitor.getFeedManager()).toBeUndefined()
    // The feed's manager publishes its prices on the bus: nothing more arrives once stopped.
    const prices = () => bus.getHistory({ filter: { eventTypes: [EventType.PRICE_UPDATE] } }).length
    const count = prices()
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(prices()).toBe(count)
    bus.stop()
  })
})
