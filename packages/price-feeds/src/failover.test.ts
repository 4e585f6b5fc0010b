import { startFakeBinance, startFakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import type { FakeBinance, FakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import { createEventBus } from '@crypto-analyzer/core-events'
import type { AnyStreamEvent, PriceUpdate, StreamEventBus } from '@crypto-analyzer/core-events'
import { afterEach, describe, expect, it } from 'vitest'
import { harness } from './test-support/harness.js'
import type { Harness } from './test-support/harness.js'
import { waitFor } from '@crypto-analyzer/test-support'

const STALE = 500
const FAILBACK = 1000

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function exchanges(
  binanceMarkets?: string[],
): Promise<{ bn: FakeBinance; cb: FakeCoinbase }> {
  const bn = await startFakeBinance({
    tickInterval: 50,
    seed: 1,
    ...(binanceMarkets === undefined ? {} : { markets: binanceMarkets }),
  })
  const cb = await startFakeCoinbase({ tickInterval: 50, heartbeatInterval: 100, seed: 2 })
  cleanup.push(
    () => bn.close(),
    () => cb.close(),
  )
  return { bn, cb }
}

async function failoverFeed(
  bn: FakeBinance,
  cb: FakeCoinbase,
  symbols: { binance: string[]; coinbase: string[] },
  primary: 'binance' | 'coinbase' = 'binance',
  bus?: StreamEventBus,
): Promise<Harness> {
  const h = harness({
    ...(bus === undefined ? {} : { bus }),
    urls: { binance: bn.url, coinbase: cb.url },
    staleAfter: STALE,
    failbackAfter: FAILBACK,
  })
  cleanup.push(() => h.manager.stop())
  const fallback = primary === 'binance' ? 'coinbase' : 'binance'
  h.manager.addProvider(primary, symbols[primary], { isPrimary: true })
  h.manager.addProvider(fallback, symbols[fallback])
  await h.manager.start()
  return h
}

/** The sources serving one symbol, one entry per run: ['binance', 'coinbase', 'binance']. */
const runs = (updates: readonly PriceUpdate[]): string[] =>
  updates.map((u) => u.source).filter((source, i, all) => i === 0 || source !== all[i - 1])

describe('failover', () => {
  it('moves symbols to the fallback when the primary goes down, and back once it is healthy', async () => {
    const { bn, cb } = await exchanges()
    const h = await failoverFeed(bn, cb, { binance: ['BTC', 'ETH'], coinbase: ['BTC', 'ETH'] })
    await waitFor(
      () => h.of('BTC', 'binance').length > 3 && h.of('ETH', 'binance').length > 3,
      'binance data',
    )
    await waitFor(
      () => (h.manager.getStatus().providers[1]?.messagesReceived ?? 0) > 3,
      'coinbase standby data',
    )
    expect(h.of('BTC', 'coinbase')).toEqual([])

    const restarted = bn.restart({ downtime: 1500 })
    await waitFor(
      () => h.of('BTC', 'coinbase').length > 0 && h.of('ETH', 'coinbase').length > 0,
      'fallback data',
    )
    expect(h.statuses).toContainEqual({
      provider: 'binance',
      state: 'failed_over',
      symbols: ['BTC', 'ETH'],
      reason: expect.stringMatching(
        /^BTC, ETH now served by coinbase: binance is (reconnecting|connecting)/,
      ) as string,
    })
    expect(h.manager.getStatus().symbols.map((s) => s.servedBy)).toEqual(['coinbase', 'coinbase'])
    expect(h.manager.getStatus().providers[0]?.state).not.toBe('connected')

    await restarted
    await waitFor(
      () => h.updates.at(-1)?.source === 'binance' && h.of('ETH').at(-1)?.source === 'binance',
      'failback',
      20_000,
    )
    expect(h.statuses.some((s) => s.reason?.includes('back on binance') === true)).toBe(true)
    expect(runs(h.of('BTC'))).toEqual(['binance', 'coinbase', 'binance'])
    expect(runs(h.of('ETH'))).toEqual(['binance', 'coinbase', 'binance'])
    const status = h.manager.getStatus()
    expect(status.symbols.map((s) => s.servedBy)).toEqual(['binance', 'binance'])
    expect(status.providers[0]).toMatchObject({
      provider: 'binance',
      primary: true,
      state: 'connected',
    })
    expect(status.providers[1]).toMatchObject({
      provider: 'coinbase',
      primary: false,
      state: 'connected',
    })
  })

  it('moves a symbol when the primary stalls (TCP open, nothing sent)', async () => {
    const { bn, cb } = await exchanges()
    const h = await failoverFeed(bn, cb, { binance: ['BTC'], coinbase: ['BTC'] })
    await waitFor(() => h.of('BTC', 'binance').length > 3, 'binance data')
    await waitFor(
      () => (h.manager.getStatus().providers[1]?.messagesReceived ?? 0) > 3,
      'coinbase data',
    )
    bn.stall()
    const stalledAt = Date.now()
    await waitFor(() => h.of('BTC', 'coinbase').length > 0, 'fallback after the stall')
    // Not instant: it takes the stale window (measured from the last update, just before the stall).
    expect(Date.now() - stalledAt).toBeGreaterThan(STALE / 2)
    bn.resume()
    await waitFor(() => h.of('BTC').at(-1)?.source === 'binance', 'failback after resume', 20_000)
    expect(runs(h.of('BTC'))).toEqual(['binance', 'coinbase', 'binance'])
  })

  it('moves a symbol whose primary keeps the connection alive but stops its tickers', async () => {
    const { bn, cb } = await exchanges()
    const h = await failoverFeed(bn, cb, { binance: ['BTC'], coinbase: ['BTC'] }, 'coinbase')
    await waitFor(() => h.of('BTC', 'coinbase').length > 3, 'coinbase data')
    cb.pingOnly(true) // heartbeats go on, so the connection itself never looks stale
    await waitFor(() => h.of('BTC', 'binance').length > 0, 'binance takes over')
    expect(h.statuses).toContainEqual({
      provider: 'coinbase',
      state: 'failed_over',
      symbols: ['BTC'],
      reason: `BTC now served by binance: no BTC update from coinbase for ${STALE} ms`,
    })
    cb.pingOnly(false)
    await waitFor(() => h.of('BTC').at(-1)?.source === 'coinbase', 'failback', 20_000)
    expect(runs(h.of('BTC'))).toEqual(['coinbase', 'binance', 'coinbase'])
  })

  it('serves a symbol the primary lacks from the fallback, and the rest from the primary', async () => {
    const { bn, cb } = await exchanges(['BTCUSDT', 'ETHUSDT'])
    const bus = createEventBus()
    bus.start()
    const events: AnyStreamEvent[] = []
    bus.subscribe('test', (event) => {
      events.push(event)
    })
    const h = await failoverFeed(
      bn,
      cb,
      { binance: ['BTC', 'SOL'], coinbase: ['BTC', 'SOL'] },
      'binance',
      bus,
    )
    await waitFor(() => h.of('SOL').length > 3 && h.of('BTC').length > 3, 'both symbols')
    expect(new Set(h.of('SOL').map((u) => u.source))).toEqual(new Set(['coinbase']))
    expect(new Set(h.of('BTC').map((u) => u.source))).toEqual(new Set(['binance']))
    expect(h.errors.map((e) => [e.reason, e.provider, e.symbol])).toEqual([
      ['subscription-rejected', 'binance', 'SOL'],
    ])
    expect(h.statuses).toContainEqual({
      provider: 'binance',
      state: 'failed_over',
      symbols: ['SOL'],
      reason: 'SOL now served by coinbase: binance rejected SOL',
    })
    const error = events.find((e) => e.type === 'error')
    expect(error).toMatchObject({ source: 'binance', symbol: 'SOL', data: h.errors[0] })
    expect(
      events.find((e) => e.type === 'feed_status' && e.data.state === 'failed_over'),
    ).toMatchObject({
      source: 'binance',
      data: { symbols: ['SOL'] },
    })
    const prices = events.filter((e) => e.type === 'price_update')
    expect(prices.length).toBeGreaterThan(6)
    expect(prices.every((e) => e.source === (e.symbol === 'SOL' ? 'coinbase' : 'binance'))).toBe(
      true,
    )
    bus.stop()
    expect(h.manager.getStatus().symbols).toEqual([
      expect.objectContaining({
        symbol: 'BTC',
        primary: 'binance',
        servedBy: 'binance',
        stale: false,
      }),
      expect.objectContaining({
        symbol: 'SOL',
        primary: 'binance',
        servedBy: 'coinbase',
        stale: false,
      }),
    ])
  })

  it('falls back to the mock when the exchange cannot be reached at all', async () => {
    const dead = await startFakeBinance()
    const url = dead.url
    await dead.close()
    const h = harness({
      urls: { binance: url },
      staleAfter: STALE,
      mock: { interval: 50, seed: 5 },
    })
    cleanup.push(() => h.manager.stop())
    h.manager.addProvider('binance', ['BTC', 'ETH'], { isPrimary: true })
    h.manager.addProvider('mock', ['BTC', 'ETH'])
    await h.manager.start()
    await waitFor(
      () => h.of('BTC', 'mock').length > 2 && h.of('ETH', 'mock').length > 2,
      'mock data',
    )
    expect(h.updates.every((u) => u.source === 'mock')).toBe(true)
    // Retrying with backoff: between attempts or inside one.
    expect(['reconnecting', 'connecting']).toContain(h.manager.getStatus().providers[0]?.state)
    expect(h.manager.getStatus().providers[0]?.reconnects).toBeGreaterThan(0)
    expect(h.manager.getStatus().symbols.every((s) => s.servedBy === 'mock')).toBe(true)
  })
})
