import { Decimal, silentLogger } from '@crypto-analyzer/core-events'
import type { FeedStatus, PriceUpdate, ProviderName } from '@crypto-analyzer/core-events'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '@crypto-analyzer/test-support'
import { FeedRouter } from './router.js'

const STALE = 1000
const FAILBACK = 3000

function setup(
  providers: { name: ProviderName; symbols: string[] }[] = [
    { name: 'binance', symbols: ['BTC', 'ETH'] },
    { name: 'coinbase', symbols: ['BTC', 'ETH', 'SOL'] },
  ],
) {
  const clock = new ManualClock()
  const emitted: PriceUpdate[] = []
  const statuses: FeedStatus[] = []
  const router = new FeedRouter({
    providers,
    clock,
    logger: silentLogger,
    staleAfter: STALE,
    failbackAfter: FAILBACK,
    emit: (update) => emitted.push(update),
    status: (status) => statuses.push(status),
  })
  let n = 0
  const offer = (
    source: ProviderName,
    symbol: string,
    timestamp = clock.now(),
    sequence?: number,
  ) => {
    n++
    return router.offer(
      {
        symbol,
        source,
        price: new Decimal(n),
        change24h: new Decimal(0),
        changePercent24h: new Decimal(0),
        volume24h: new Decimal(1),
        timestamp,
        receivedAt: clock.now(),
      },
      sequence,
    )
  }
  const served = (symbol: string) =>
    router.symbolStatus().find((status) => status.symbol === symbol)?.servedBy
  return { clock, router, emitted, statuses, offer, served }
}

describe('FeedRouter', () => {
  it('never emits an older event time for a symbol when it moves to a provider whose clock is behind', () => {
    const { router, clock, emitted, offer, served } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    offer('binance', 'BTC', 10_000)
    clock.advance(50)
    offer('coinbase', 'BTC', 8_050) // Coinbase's clock is 2 s behind
    router.setState('binance', 'reconnecting', 'closed')
    expect(served('BTC')).toBe('coinbase')
    clock.advance(100)
    expect(offer('coinbase', 'BTC', 8_150)).toBe('out-of-order')
    clock.advance(2000)
    expect(offer('coinbase', 'BTC', 10_150)).toBe('emitted')
    expect(emitted.map((u) => [u.source, u.timestamp])).toEqual([
      ['binance', 10_000],
      ['coinbase', 10_150],
    ])
    expect(router.outOfOrder('coinbase')).toBe(2)
  })

  it('emits only the primary updates while the primary is healthy', () => {
    const { router, clock, emitted, offer, served } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    for (let i = 0; i < 5; i++) {
      expect(offer('binance', 'BTC')).toBe('emitted')
      expect(offer('coinbase', 'BTC')).toBe('standby')
      clock.advance(100)
    }
    expect(emitted.map((u) => u.source)).toEqual(Array(5).fill('binance'))
    expect(served('BTC')).toBe('binance')
    expect(router.feedState('binance')).toBe('connected')
  })

  it('fails over at once when the primary disconnects, naming the fallback', () => {
    const { router, clock, emitted, statuses, offer, served } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    offer('binance', 'BTC')
    offer('binance', 'ETH')
    clock.advance(50)
    offer('coinbase', 'BTC')
    offer('coinbase', 'ETH')
    statuses.length = 0
    emitted.length = 0
    router.setState('binance', 'reconnecting', 'closed')
    expect(served('BTC')).toBe('coinbase')
    expect(served('ETH')).toBe('coinbase')
    expect(statuses).toEqual([
      { provider: 'binance', state: 'reconnecting', symbols: ['BTC', 'ETH'], reason: 'closed' },
      {
        provider: 'binance',
        state: 'failed_over',
        symbols: ['BTC', 'ETH'],
        reason: 'BTC, ETH now served by coinbase: binance is reconnecting',
      },
    ])
    // The fallback's fresh last ticker goes out at once, then its live ones.
    expect(emitted.map((u) => `${u.source}:${u.symbol}`)).toEqual(['coinbase:BTC', 'coinbase:ETH'])
    clock.advance(100)
    expect(offer('coinbase', 'BTC')).toBe('emitted')
  })

  it('reports every new retry wait of a reconnecting provider, for countdowns', () => {
    const { router, statuses } = setup()
    router.start()
    router.setState('coinbase', 'connected', 'open')
    statuses.length = 0
    router.setState('coinbase', 'reconnecting', 'closed', 750)
    router.setState('coinbase', 'connecting', 'retry')
    router.setState('coinbase', 'reconnecting', 'connect ECONNREFUSED', 1500)
    expect(statuses.map((s) => [s.state, s.retryInMs])).toEqual([
      ['reconnecting', 750],
      ['connecting', undefined],
      ['reconnecting', 1500],
    ])
  })

  it('fails over when the primary stops delivering a symbol for staleAfter', () => {
    const { router, clock, statuses, offer, served } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    let movedAt: number | undefined
    const start = clock.now()
    for (let t = 0; t < 3000; t += 100) {
      if (t < 500) offer('binance', 'BTC')
      offer('binance', 'ETH')
      offer('coinbase', 'BTC')
      clock.advance(100)
      if (movedAt === undefined && served('BTC') === 'coinbase') movedAt = clock.now() - start
    }
    // Last binance BTC at 400 ms; stale after 1000 ms more; noticed within one check interval.
    expect(movedAt).toBeGreaterThan(1400)
    expect(movedAt).toBeLessThanOrEqual(1400 + router.checkInterval + 100)
    expect(served('ETH')).toBe('binance')
    expect(statuses).toContainEqual({
      provider: 'binance',
      state: 'failed_over',
      symbols: ['BTC'],
      reason: 'BTC now served by coinbase: no BTC update from binance for 1000 ms',
    })
    expect(router.feedState('binance')).toBe('failed_over')
  })

  it('serves a symbol the primary does not list from the first fallback', () => {
    const { router, statuses, offer, served } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    expect(served('SOL')).toBe('coinbase')
    expect(offer('coinbase', 'SOL')).toBe('emitted')
    expect(statuses).toContainEqual({
      provider: 'binance',
      state: 'failed_over',
      symbols: ['SOL'],
      reason: 'SOL now served by coinbase: binance does not list SOL',
    })
  })

  it('fails over a symbol the primary rejected and keeps the others', () => {
    const { router, offer, served } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    offer('binance', 'BTC')
    router.reject('binance', 'ETH')
    expect(served('ETH')).toBe('coinbase')
    expect(served('BTC')).toBe('binance')
    expect(router.healthOf('binance', 'ETH')).toBe('unavailable')
    expect(router.unavailableSymbols('binance')).toEqual(['ETH'])
  })

  it('fails back only after the primary delivered without a gap for failbackAfter', () => {
    const { router, clock, statuses, offer, served } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    offer('binance', 'BTC')
    router.setState('binance', 'reconnecting', 'closed')
    expect(served('BTC')).toBe('coinbase')
    clock.advance(500)
    router.setState('binance', 'connected', 'open')
    const back = clock.now()
    let failedBackAfter: number | undefined
    for (let t = 0; t < 6000; t += 100) {
      offer('binance', 'BTC')
      offer('binance', 'ETH')
      offer('coinbase', 'BTC')
      clock.advance(100)
      if (failedBackAfter === undefined && served('BTC') === 'binance') {
        failedBackAfter = clock.now() - back
      }
    }
    expect(failedBackAfter).toBeGreaterThanOrEqual(FAILBACK)
    expect(failedBackAfter).toBeLessThanOrEqual(FAILBACK + 200)
    expect(statuses.filter((s) => s.reason?.startsWith('BTC back on binance'))).toEqual([
      {
        provider: 'binance',
        state: 'connected',
        symbols: ['BTC'],
        reason: 'BTC back on binance: binance delivered BTC for 3000 ms',
      },
    ])
    expect(router.feedState('binance')).toBe('connected')
  })

  it('does not flap while the primary keeps dropping before failbackAfter', () => {
    const { router, clock, statuses, offer, served } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    const history: (ProviderName | undefined)[] = []
    for (let cycle = 0; cycle < 10; cycle++) {
      for (let t = 0; t < 2000; t += 100) {
        offer('binance', 'BTC')
        offer('coinbase', 'BTC')
        clock.advance(100)
        history.push(served('BTC'))
      }
      router.setState('binance', 'reconnecting', 'closed')
      clock.advance(200)
      router.setState('binance', 'connected', 'open')
    }
    const switches = history.filter((v, i) => i > 0 && v !== history[i - 1]).length
    expect(switches).toBe(1)
    expect(history.at(-1)).toBe('coinbase')
    expect(statuses.filter((s) => s.reason?.startsWith('BTC now served by'))).toHaveLength(1)
    // Each reconnect of the primary is reported, saying the symbols stay put.
    expect(statuses.filter((s) => s.state === 'failed_over').at(-1)).toEqual({
      provider: 'binance',
      state: 'failed_over',
      symbols: ['BTC', 'ETH'],
      reason: 'open; a fallback serves BTC until binance has delivered for 3000 ms',
    })
  })

  it('moves back to a live primary at once when the fallback dies', () => {
    const { router, clock, offer, served } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    offer('binance', 'BTC')
    router.setState('binance', 'reconnecting', 'closed')
    clock.advance(100)
    router.setState('binance', 'connected', 'open')
    offer('binance', 'BTC')
    expect(served('BTC')).toBe('coinbase')
    router.setState('coinbase', 'reconnecting', 'closed')
    expect(served('BTC')).toBe('binance')
  })

  it('stays on a down primary and reports the symbol stale once when no fallback can serve it', () => {
    const { router, clock, statuses, offer, emitted, served } = setup([
      { name: 'binance', symbols: ['BTC'] },
    ])
    router.start()
    router.setState('binance', 'connected', 'open')
    offer('binance', 'BTC')
    router.setState('binance', 'reconnecting', 'closed')
    clock.advance(5000)
    expect(served('BTC')).toBe('binance')
    expect(statuses.filter((s) => s.state === 'stale')).toEqual([
      {
        provider: 'binance',
        state: 'stale',
        symbols: ['BTC'],
        reason: 'no update for BTC within 1000 ms and no healthy fallback',
      },
    ])
    expect(router.symbolStatus()[0]).toMatchObject({ symbol: 'BTC', stale: true })
    router.setState('binance', 'connected', 'open')
    expect(offer('binance', 'BTC')).toBe('emitted')
    expect(emitted).toHaveLength(2)
    expect(statuses.at(-1)).toMatchObject({
      state: 'connected',
      reason: 'BTC updates resumed from binance',
    })
    expect(router.symbolStatus()[0]).toMatchObject({ stale: false })
  })

  it('discards an update older than the last one accepted from the same source', () => {
    const { router, offer, emitted } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    expect(offer('binance', 'BTC', 2000)).toBe('emitted')
    expect(offer('binance', 'BTC', 1999)).toBe('out-of-order')
    expect(offer('binance', 'BTC', 2000)).toBe('emitted')
    // Another source has its own clock.
    expect(offer('coinbase', 'BTC', 10)).toBe('standby')
    expect(emitted.map((u) => u.timestamp)).toEqual([2000, 2000])
    expect(router.outOfOrder('binance')).toBe(1)
  })

  it('discards a replay by its venue sequence at the same event time, within one connection', () => {
    const { router, offer, emitted } = setup()
    router.start()
    router.setState('coinbase', 'connected', 'open')
    expect(offer('coinbase', 'SOL', 5000, 900)).toBe('emitted')
    expect(offer('coinbase', 'SOL', 5000, 899)).toBe('out-of-order')
    expect(offer('coinbase', 'SOL', 5000, 900)).toBe('out-of-order')
    expect(offer('coinbase', 'SOL', 5000, 901)).toBe('emitted')
    // A newer event time wins over a lower sequence: the last sequence was the broken one.
    expect(offer('coinbase', 'SOL', 5001, 7)).toBe('emitted')
    // A new connection compares sequences afresh; event times still never go back.
    router.setState('coinbase', 'reconnecting', 'closed')
    router.setState('coinbase', 'connected', 'open')
    expect(offer('coinbase', 'SOL', 5001, 3)).toBe('emitted')
    expect(offer('coinbase', 'SOL', 5000, 99)).toBe('out-of-order')
    expect(emitted.map((u) => u.timestamp)).toEqual([5000, 5000, 5001, 5001])
    expect(router.outOfOrder('coinbase')).toBe(3)
  })

  it('never emits one symbol from two providers, across failover and failback', () => {
    const { router, clock, emitted, offer } = setup()
    router.start()
    router.setState('binance', 'connected', 'open')
    router.setState('coinbase', 'connected', 'open')
    const serving: ProviderName[] = []
    for (let t = 0; t < 20_000; t += 50) {
      if (t === 4000) router.setState('binance', 'reconnecting', 'closed')
      if (t === 5000) router.setState('binance', 'connected', 'open')
      const binanceUp = t < 4000 || t >= 5000
      if (binanceUp && t % 100 === 0) offer('binance', 'BTC')
      if (t % 100 === 50) offer('coinbase', 'BTC')
      clock.advance(50)
      serving.push(router.symbolStatus()[0]?.servedBy ?? 'mock')
    }
    const sources = emitted.filter((u) => u.symbol === 'BTC').map((u) => u.source)
    // Runs of one source: binance, then coinbase, then binance again; never interleaved.
    const runs = sources.filter((s, i) => i === 0 || s !== sources[i - 1])
    expect(runs).toEqual(['binance', 'coinbase', 'binance'])
    // At most one update per 50 ms step: no doubled update during a handover.
    expect(emitted.length).toBeLessThanOrEqual(20_000 / 50 + 2)
  })

  it('treats providers as pending while they first connect, and down after staleAfter', () => {
    const { router, clock } = setup()
    router.start()
    expect(router.healthOf('binance', 'BTC')).toBe('pending')
    router.setState('binance', 'connecting', 'start')
    clock.advance(STALE + 1)
    expect(router.healthOf('binance', 'BTC')).toBe('down')
    router.setState('binance', 'connected', 'open')
    expect(router.healthOf('binance', 'BTC')).toBe('pending')
    clock.advance(STALE + 1)
    expect(router.healthOf('binance', 'BTC')).toBe('stale')
    router.stop()
    expect(clock.pending).toBe(0)
  })
})
