import {
  Decimal,
  EventType,
  createEventBus,
  encodePortfolioUpdate,
} from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'
import { ManualClock } from '@crypto-analyzer/test-support'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { PortfolioError, createPortfolioMonitor, roundForDisplay } from './index.js'
import type { PortfolioValuation } from './index.js'
import { price } from './test-support/prices.js'

/** Exact decimal text of `units × 10^-scale` from a BigInt, as an independent oracle. */
function scaled(units: bigint, scale: number): string {
  const negative = units < 0n
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0')
  const text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`
  return new Decimal(`${negative ? '-' : ''}${text}`).toFixed()
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sum = (values: readonly Decimal[]): Decimal =>
  values.reduce((acc, value) => acc.plus(value), new Decimal(0))

const text = (value: Decimal | undefined): string | undefined => value?.toFixed()

describe('createPortfolioMonitor valuation', () => {
  it('values holdings and the contract example exactly when prices arrive', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 0 })
    monitor.addHolding('btc', '2.0')
    monitor.applyPriceUpdate(
      price('BTC', { price: '50000.00', change: '1250', percent: '2.56', timestamp: clock.now() }),
    )
    const snapshot = monitor.getSnapshot()
    expect(text(snapshot.totalValue)).toBe('100000')
    expect(text(snapshot.totalChange24h)).toBe('2500')
    // 2500 / 97500 × 100 = 2.564102564102564…, rounded half-even to 8 places.
    expect(text(snapshot.totalChangePercent24h)).toBe('2.56410256')
    expect(roundForDisplay(snapshot.totalChangePercent24h, 2)).toBe('2.56')
    expect(snapshot.holdings).toHaveLength(1)
    const [btc] = snapshot.holdings
    expect(btc?.symbol).toBe('BTC')
    expect(text(btc?.amount)).toBe('2')
    expect(text(btc?.value)).toBe('100000')
    expect(text(btc?.change24h)).toBe('2500')
    expect(text(btc?.price)).toBe('50000')
    expect(text(btc?.allocationPercent)).toBe('100')
    expect(btc?.stale).toBe(false)
    expect(snapshot.missing).toEqual([])
    expect(snapshot.stale).toEqual([])
    // The wire form written from the snapshot keeps exact numbers.
    const wire = encodePortfolioUpdate(snapshot, { seq: 1, sentAt: clock.now() })
    expect(wire).toContain('"total_value":100000,"total_change_24h":2500')
  })

  it('sums 24h changes per holding when holdings have data of different ages', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 0 })
    monitor.addHolding('BTC', '2')
    monitor.addHolding('ETH', '10')
    monitor.applyPriceUpdate(
      price('BTC', { price: '50000', change: '1000', timestamp: clock.now() - 40_000 }),
    )
    clock.advance(30_000)
    monitor.applyPriceUpdate(
      price('ETH', { price: '3000', change: '-150', timestamp: clock.now() }),
    )
    const snapshot = monitor.getSnapshot()
    // Hand-computed: BTC 2 × 50000 = 100000, 2 × 1000 = 2000; ETH 10 × 3000 = 30000,
    // 10 × -150 = -1500. Total 130000, change 500, value 24h ago 129500, 500/129500 = 0.386100…%.
    expect(text(snapshot.totalValue)).toBe('130000')
    expect(text(snapshot.totalChange24h)).toBe('500')
    expect(text(snapshot.totalChangePercent24h)).toBe('0.38610039')
    expect(roundForDisplay(snapshot.totalChangePercent24h, 2)).toBe('0.39')
    expect(snapshot.holdings.map((h) => [h.symbol, text(h.change24h)])).toEqual([
      ['BTC', '2000'],
      ['ETH', '-1500'],
    ])
    // 100000 / 130000 and 30000 / 130000 in percent.
    expect(roundForDisplay(snapshot.holdings[0]?.allocationPercent ?? '0', 4)).toBe('76.9231')
    expect(roundForDisplay(snapshot.holdings[1]?.allocationPercent ?? '0', 4)).toBe('23.0769')
  })

  it('computes a negative total change and 0 % when the portfolio had no value a day ago', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 0 })
    expect(text(monitor.getSnapshot().totalChangePercent24h)).toBe('0')
    monitor.addHolding('ADA', '1000')
    monitor.applyPriceUpdate(
      price('ADA', { price: '0.5', change: '-0.05', timestamp: clock.now() }),
    )
    const snapshot = monitor.getSnapshot()
    expect(text(snapshot.totalValue)).toBe('500')
    expect(text(snapshot.totalChange24h)).toBe('-50')
    // -50 / 550 × 100 = -9.0909…
    expect(roundForDisplay(snapshot.totalChangePercent24h, 3)).toBe('-9.091')
    // A price that rose from 0 (change equals price): the base is 0, the percent is 0.
    monitor.applyPriceUpdate(price('ADA', { price: '0.5', change: '0.5', timestamp: clock.now() }))
    expect(text(monitor.getSnapshot().totalChangePercent24h)).toBe('0')
  })

  it('keeps totals equal to the exact sum of many 1e-8 holdings', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 60_000 })
    let expectedUnits = 0n // in units of 1e-16
    for (let i = 0; i < 1000; i++) {
      monitor.addHolding(`T${i}`, '0.00000001')
      const priceUnits = 10_000_000n + BigInt(i) * 7n + 1n // 0.1 + i × 7e-8 + 1e-8
      expectedUnits += priceUnits
      monitor.applyPriceUpdate(
        price(`T${i}`, {
          price: scaled(priceUnits, 8),
          change: '0.00000003',
          timestamp: clock.now(),
        }),
      )
    }
    const snapshot = monitor.getSnapshot()
    expect(snapshot.totalValue.toFixed()).toBe(scaled(expectedUnits, 16))
    expect(snapshot.totalValue.eq(sum(snapshot.holdings.map((h) => h.value)))).toBe(true)
    expect(snapshot.totalChange24h.toFixed()).toBe('0.0000000000003') // 1000 × 1e-8 × 3e-8
    expect(snapshot.totalChange24h.eq(sum(snapshot.holdings.map((h) => h.change24h)))).toBe(true)
    // The float sum would not be exact; the Decimal one is.
    let float = 0
    for (const h of snapshot.holdings) float += Number(h.value.toFixed())
    expect(String(float)).not.toBe(snapshot.totalValue.toFixed())
    // Allocations are 64-digit quotients: they add up to 100 within rounding.
    const allocation = sum(snapshot.holdings.map((h) => h.allocationPercent ?? new Decimal(0)))
    expect(allocation.minus(100).abs().lt('1e-55')).toBe(true)
  })

  it('multiplies large amounts and prices without losing a digit', () => {
    const monitor = createPortfolioMonitor({ throttle: 0 })
    monitor.addHolding('BIG', '123456789.12345678')
    monitor.addHolding('TINY', '0.00000001')
    monitor.applyPriceUpdate(price('BIG', { price: '98765432109.87654321', timestamp: Date.now() }))
    monitor.applyPriceUpdate(price('TINY', { price: '0.00000001', timestamp: Date.now() }))
    const expected = 12345678912345678n * 9876543210987654321n // scale 16
    const snapshot = monitor.getSnapshot()
    expect(snapshot.holdings[0]?.value.toFixed()).toBe(scaled(expected, 16))
    expect(snapshot.holdings[1]?.value.toFixed()).toBe('0.0000000000000001')
    expect(snapshot.totalValue.toFixed()).toBe(scaled(expected + 1n, 16))
  })

  it('keeps incremental totals equal to a fresh valuation after thousands of updates', () => {
    const random = prng(42)
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 1000 })
    const symbols = Array.from({ length: 50 }, (_, i) => `C${i}`)
    for (const [i, symbol] of symbols.entries()) {
      monitor.addHolding(symbol, new Decimal(i + 1).div(7).toDecimalPlaces(8), {
        costBasis: String(100 + i),
      })
    }
    const last = new Map<string, PriceUpdate>()
    for (let n = 0; n < 5000; n++) {
      const symbol = symbols[Math.floor(random() * symbols.length)] ?? 'C0'
      const p = (random() * 1000 + 0.01).toFixed(8)
      const c = (random() * 20 - 10).toFixed(8)
      const update = price(symbol, { price: p, change: c, timestamp: clock.now() })
      last.set(symbol, update)
      monitor.applyPriceUpdate(update)
      if (n % 1000 === 0) monitor.removeHolding('C7')
      if (n % 1000 === 500) monitor.addHolding('C7', '3.5', { costBasis: '10' })
    }
    const fresh = createPortfolioMonitor({ clock, throttle: 0 })
    for (const holding of monitor.getHoldings()) {
      fresh.addHolding(holding.symbol, holding.amount, {
        ...(holding.costBasis === undefined ? {} : { costBasis: holding.costBasis }),
      })
    }
    for (const update of last.values()) fresh.applyPriceUpdate(update)
    const a = monitor.getSnapshot()
    const b = fresh.getSnapshot()
    expect(a.totalValue.toFixed()).toBe(b.totalValue.toFixed())
    expect(a.totalChange24h.toFixed()).toBe(b.totalChange24h.toFixed())
    expect(a.totalUnrealizedPnl?.toFixed()).toBe(b.totalUnrealizedPnl?.toFixed())
    expect(a.totalValue.eq(sum(a.holdings.map((h) => h.value)))).toBe(true)
    expect(a.totalChange24h.eq(sum(a.holdings.map((h) => h.change24h)))).toBe(true)
    expect(
      a.totalUnrealizedPnl?.eq(sum(a.holdings.map((h) => h.unrealizedPnl ?? new Decimal(0)))),
    ).toBe(true)
  })

  it('reports unrealized P&L only for holdings with a cost basis and a price', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 0 })
    monitor.addHolding('BTC', '2', { costBasis: '40000' })
    monitor.addHolding('ETH', '10')
    monitor.addHolding('DOT', '5', { costBasis: new Decimal('7.5') })
    expect(monitor.getSnapshot().totalUnrealizedPnl).toBeUndefined()
    monitor.applyPriceUpdate(price('BTC', { price: '50000', timestamp: clock.now() }))
    monitor.applyPriceUpdate(price('ETH', { price: '3000', timestamp: clock.now() }))
    const snapshot = monitor.getSnapshot()
    expect(snapshot.holdings.map((h) => [h.symbol, text(h.unrealizedPnl)])).toEqual([
      ['BTC', '20000'],
      ['ETH', undefined],
      ['DOT', undefined],
    ])
    expect(text(snapshot.totalUnrealizedPnl)).toBe('20000')
    expect(monitor.getHoldings().map((h) => [h.symbol, text(h.amount), text(h.costBasis)])).toEqual(
      [
        ['BTC', '2', '40000'],
        ['ETH', '10', undefined],
        ['DOT', '5', '7.5'],
      ],
    )
  })

  it('lists missing prices, values them at 0, and uses a price that arrived before the holding', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 0 })
    monitor.applyPriceUpdate(price('ETH', { price: '3000', change: '30', timestamp: clock.now() }))
    monitor.addHolding('BTC', '1')
    monitor.addHolding('ETH', '2')
    const snapshot = monitor.getSnapshot()
    expect(snapshot.missing).toEqual(['BTC'])
    expect(text(snapshot.totalValue)).toBe('6000')
    expect(text(snapshot.totalChange24h)).toBe('60')
    const btc = snapshot.holdings[0]
    expect(btc).toEqual({
      symbol: 'BTC',
      amount: new Decimal(1),
      value: new Decimal(0),
      change24h: new Decimal(0),
      allocationPercent: new Decimal(0),
    })
    expect(text(snapshot.holdings[1]?.allocationPercent)).toBe('100')
  })

  it('marks prices stale after staleAfter, keeps their value, and emits when one turns stale', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 0, staleAfter: 60_000 })
    const seen: PortfolioValuation[] = []
    monitor.onSnapshot((s) => seen.push(s))
    monitor.addHolding('BTC', '1')
    monitor.addHolding('ETH', '1')
    monitor.applyPriceUpdate(price('BTC', { price: '50000', timestamp: clock.now() }))
    clock.advance(30_000)
    monitor.applyPriceUpdate(price('ETH', { price: '3000', timestamp: clock.now() }))
    const before = seen.length
    clock.advance(30_000)
    expect(seen.length).toBe(before) // exactly 60 s old is not stale yet
    clock.advance(1)
    expect(seen.length).toBe(before + 1)
    expect(seen.at(-1)?.stale).toEqual(['BTC'])
    expect(seen.at(-1)?.holdings[0]?.stale).toBe(true)
    expect(text(seen.at(-1)?.totalValue)).toBe('53000')
    clock.advance(30_000)
    expect(seen.at(-1)?.stale).toEqual(['BTC', 'ETH'])
    expect(monitor.getSnapshot().stale).toEqual(['BTC', 'ETH'])
    monitor.applyPriceUpdate(price('BTC', { price: '50001', timestamp: clock.now() }))
    expect(seen.at(-1)?.stale).toEqual(['ETH'])
    monitor.stop()
    expect(clock.pending).toBe(0)
  })

  it('never marks a price stale when staleAfter is 0', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 0, staleAfter: 0 })
    monitor.addHolding('BTC', '1')
    monitor.applyPriceUpdate(price('BTC', { price: '1', timestamp: clock.now() - 10 ** 9 }))
    expect(monitor.getSnapshot().stale).toEqual([])
    expect(clock.pending).toBe(0)
  })

  it('counts and drops malformed updates instead of throwing', () => {
    const monitor = createPortfolioMonitor({ throttle: 0 })
    monitor.addHolding('BTC', '1')
    const good = price('BTC', { price: '100', timestamp: Date.now() })
    const bad: unknown[] = [
      null,
      { ...good, price: 100 },
      { ...good, price: new Decimal(0) },
      { ...good, price: new Decimal(-1) },
      { ...good, symbol: undefined },
      { ...good, change24h: 'x' },
      { ...good, timestamp: Number.NaN },
    ]
    for (const update of bad) monitor.applyPriceUpdate(update as PriceUpdate)
    expect(monitor.getStats().updatesIgnored).toBe(bad.length)
    expect(monitor.getSnapshot().missing).toEqual(['BTC'])
  })
})

describe('createPortfolioMonitor holdings', () => {
  it('replaces a holding when added again and removes it', () => {
    const monitor = createPortfolioMonitor({ throttle: 0 })
    monitor.addHolding('BTC', '1')
    monitor.addHolding('ETH', '1')
    monitor.addHolding('btc', '3', { costBasis: '10' })
    expect(monitor.getHoldings().map((h) => [h.symbol, text(h.amount)])).toEqual([
      ['BTC', '3'],
      ['ETH', '1'],
    ])
    expect(monitor.removeHolding('eth')).toBe(true)
    expect(monitor.removeHolding('ETH')).toBe(false)
    expect(monitor.removeHolding('not a symbol!')).toBe(false)
    expect(monitor.getSnapshot().holdings.map((h) => h.symbol)).toEqual(['BTC'])
  })

  it('rejects bad symbols, amounts and cost bases with invalid-input', () => {
    const monitor = createPortfolioMonitor()
    const cases: [() => void, RegExp][] = [
      [
        () => {
          monitor.addHolding('BT C', '1')
        },
        /invalid symbol/,
      ],
      [
        () => {
          monitor.addHolding('BTC', '0')
        },
        /amount must be greater than 0/,
      ],
      [
        () => {
          monitor.addHolding('BTC', '-1')
        },
        /amount must be greater than 0/,
      ],
      [
        () => {
          monitor.addHolding('BTC', 'abc')
        },
        /amount must be a decimal/,
      ],
      [
        () => {
          monitor.addHolding('BTC', 1.5 as unknown as string)
        },
        /amount must be a decimal/,
      ],
      [
        () => {
          monitor.addHolding('BTC', new Decimal(Number.NaN))
        },
        /amount must be a decimal/,
      ],
      [
        () => {
          monitor.addHolding('BTC', '1', { costBasis: '-5' })
        },
        /costBasis must not be negative/,
      ],
    ]
    for (const [call, message] of cases) {
      let error: unknown
      try {
        call()
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(PortfolioError)
      expect((error as PortfolioError).reason).toBe('invalid-input')
      expect((error as PortfolioError).code).toBe('INVALID_INPUT')
      expect((error as Error).message).toMatch(message)
    }
    expect(monitor.getHoldings()).toEqual([])
  })

  it('rejects bad options at construction naming the fix', () => {
    expect(() => createPortfolioMonitor({ throttle: -1 })).toThrow(
      /throttle must be an integer >= 0.*throttle: 250/,
    )
    expect(() => createPortfolioMonitor({ staleAfter: 1.5 })).toThrow(PortfolioError)
    expect(() => createPortfolioMonitor().attach({} as never)).toThrow(/Observable<PriceUpdate>/)
  })
})

describe('createPortfolioMonitor emission', () => {
  it('emits the first change at once, then at most one snapshot per throttle window with the last state', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock })
    monitor.addHolding('BTC', '1')
    const seen: { at: number; value: string }[] = []
    monitor.onSnapshot((s) => seen.push({ at: clock.now(), value: s.totalValue.toFixed() }))
    clock.advance(1000)
    // A fast feed: one update per millisecond for a second.
    for (let i = 1; i <= 1000; i++) {
      monitor.applyPriceUpdate(price('BTC', { price: String(i), timestamp: clock.now() }))
      clock.advance(1)
    }
    clock.advance(1000)
    // 1000 ms of updates with a 250 ms throttle: the leading one plus one per window.
    expect(seen.length).toBeLessThanOrEqual(6)
    expect(seen.length).toBeGreaterThanOrEqual(4)
    for (let i = 1; i < seen.length; i++) {
      expect((seen[i]?.at ?? 0) - (seen[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(250)
    }
    expect(seen.at(-1)?.value).toBe('1000')
    // After a quiet period the next change is delivered at once again.
    const count = seen.length
    monitor.applyPriceUpdate(price('BTC', { price: '2000', timestamp: clock.now() }))
    expect(seen.length).toBe(count + 1)
    expect(seen.at(-1)?.value).toBe('2000')
  })

  it('delivers to handlers, snapshots$ and the bus, and isolates a throwing handler', () => {
    const clock = new ManualClock()
    const bus = createEventBus({ clock })
    bus.start()
    const monitor = createPortfolioMonitor({ clock, bus, throttle: 0 })
    const fromHandler: string[] = []
    const fromObservable: string[] = []
    monitor.onSnapshot(() => {
      throw new Error('handler bug')
    })
    const off = monitor.onSnapshot((s) => fromHandler.push(s.totalValue.toFixed()))
    monitor.snapshots$.subscribe((s) => fromObservable.push(s.totalValue.toFixed()))
    monitor.addHolding('BTC', '2')
    monitor.applyPriceUpdate(price('BTC', { price: '10', timestamp: clock.now() }))
    off()
    monitor.applyPriceUpdate(price('BTC', { price: '11', timestamp: clock.now() }))
    expect(fromHandler).toEqual(['0', '20'])
    expect(fromObservable).toEqual(['0', '20', '22'])
    const events = bus.getHistory({ filter: { eventTypes: [EventType.PORTFOLIO_UPDATE] } })
    expect(
      events.map((e) => [e.source, (e.data as PortfolioValuation).totalValue.toFixed()]),
    ).toEqual([
      ['portfolio', '0'],
      ['portfolio', '20'],
      ['portfolio', '22'],
    ])
    expect(monitor.getStats()).toMatchObject({ snapshotsEmitted: 3, handlerErrors: 3 })
    bus.stop()
  })

  it('does not emit for prices of symbols it does not hold', () => {
    const monitor = createPortfolioMonitor({ throttle: 0 })
    let count = 0
    monitor.onSnapshot(() => count++)
    monitor.applyPriceUpdate(price('DOGE', { price: '0.1', timestamp: Date.now() }))
    expect(count).toBe(0)
    expect(monitor.getStats().updatesApplied).toBe(1)
  })

  it('returns the cached snapshot until something changes', () => {
    const clock = new ManualClock()
    const monitor = createPortfolioMonitor({ clock, throttle: 0 })
    monitor.addHolding('BTC', '1')
    const first = monitor.getSnapshot()
    expect(monitor.getSnapshot()).toBe(first)
    monitor.applyPriceUpdate(price('BTC', { price: '5', timestamp: clock.now() }))
    expect(monitor.getSnapshot()).not.toBe(first)
  })
})

describe('createPortfolioMonitor sources and stop', () => {
  it('takes prices from an Observable and from the bus, and detaches', () => {
    const clock = new ManualClock()
    const bus = createEventBus({ clock })
    bus.start()
    const monitor = createPortfolioMonitor({ clock, throttle: 0 })
    monitor.addHolding('BTC', '1')
    const subject = new Subject<PriceUpdate>()
    const detachObservable = monitor.attach(subject.asObservable())
    const detachBus = monitor.attach(bus)
    subject.next(price('BTC', { price: '1', timestamp: clock.now() }))
    expect(text(monitor.getSnapshot().totalValue)).toBe('1')
    // An Observable is the caller's own data: a malformed value is counted and dropped.
    subject.next({ ...price('BTC', { price: '5', timestamp: clock.now() }), price: 5 } as never)
    expect(text(monitor.getSnapshot().totalValue)).toBe('1')
    expect(monitor.getStats()).toMatchObject({ updatesApplied: 1, updatesIgnored: 1 })
    bus.publishPriceUpdate('BTC', price('BTC', { price: '2', timestamp: clock.now() }))
    expect(text(monitor.getSnapshot().totalValue)).toBe('2')
    detachObservable()
    detachObservable()
    detachBus()
    subject.next(price('BTC', { price: '3', timestamp: clock.now() }))
    bus.publishPriceUpdate('BTC', price('BTC', { price: '4', timestamp: clock.now() }))
    expect(text(monitor.getSnapshot().totalValue)).toBe('2')
    expect(bus.getBusStats().activeSubscriptions).toBe(0)
    bus.stop()
  })

  it('stops cleanly: no timers, no bus subscriptions, snapshots$ completed, later prices ignored', async () => {
    const clock = new ManualClock()
    const bus = createEventBus({ clock })
    bus.start()
    const monitor = createPortfolioMonitor({ clock, bus })
    monitor.attach(bus)
    monitor.addHolding('BTC', '1')
    let completed = false
    monitor.snapshots$.subscribe({ complete: () => (completed = true) })
    bus.publishPriceUpdate('BTC', price('BTC', { price: '2', timestamp: clock.now() }))
    bus.publishPriceUpdate('BTC', price('BTC', { price: '3', timestamp: clock.now() }))
    expect(clock.pending).toBeGreaterThan(0) // the trailing emission and the stale check
    await monitor.stop()
    await monitor.stop()
    expect(clock.pending).toBe(0)
    expect(completed).toBe(true)
    let lateCompleted = false
    monitor.snapshots$.subscribe({ complete: () => (lateCompleted = true) })
    expect(lateCompleted).toBe(true)
    expect(bus.getBusStats().activeSubscriptions).toBe(0)
    monitor.applyPriceUpdate(price('BTC', { price: '4', timestamp: clock.now() }))
    expect(text(monitor.getSnapshot().totalValue)).toBe('3')
    expect(() => monitor.attach(bus)).toThrow(/stopped/)
    await expect(monitor.startMonitoring()).rejects.toMatchObject({ reason: 'invalid-state' })
    bus.stop()
  })

  it('skips publishing while the bus is not running', () => {
    const bus = createEventBus()
    const monitor = createPortfolioMonitor({ bus, throttle: 0 })
    monitor.addHolding('BTC', '1')
    expect(monitor.getStats().snapshotsEmitted).toBe(1)
    expect(bus.getBusStats().eventsPublished).toBe(0)
  })
})

describe('roundForDisplay', () => {
  it('rounds half away from zero and keeps trailing zeros', () => {
    expect(roundForDisplay('2.345', 2)).toBe('2.35')
    expect(roundForDisplay('-2.345', 2)).toBe('-2.35')
    expect(roundForDisplay('2.5', 2)).toBe('2.50')
    expect(roundForDisplay(new Decimal('0.0001436'), 8)).toBe('0.00014360')
    expect(roundForDisplay('-0.001', 2)).toBe('0.00')
    expect(roundForDisplay('1e21', 0)).toBe('1000000000000000000000')
    expect(() => roundForDisplay('1', -1)).toThrow(RangeError)
  })
})
