// Portfolio: valuation per price update with 10 and 1,000 holdings, through portfolio's
// createPortfolioMonitor + applyPriceUpdate, vs a naive full recompute: a plain loop summing
// amount × price (core-events Decimal, the decimal.js clone at 64 digits) over every holding.
// Two ways of running ours:
//   every update → snapshot: throttle 0, so each applyPriceUpdate emits a whole snapshot
//       (holdings list with value, change, allocation %, P&L; totals) to an onSnapshot handler;
//   default throttle: the shipped setting (250 ms): each update revalues its holding and the
//       running totals, snapshots go out at most 4 times a second.
// Figure: price updates per second over a fixed time slice.
import { Decimal } from '@crypto-analyzer/core-events'
import { compare, result } from '../lib.mjs'

const UPDATES = 4_000

function fixture(holdings) {
  const symbols = Array.from({ length: holdings }, (_, i) => `C${String(i).padStart(4, '0')}`)
  const amounts = symbols.map((_, i) => `${(i % 7) + 1}.${String(i * 7919).padStart(8, '0')}`)
  const timestamp = Date.now()
  const updates = Array.from({ length: UPDATES }, (_, i) => ({
    symbol: symbols[i % holdings],
    price: new Decimal(`${100 + (i % 997)}.${String(i % 10_000).padStart(4, '0')}`),
    change24h: new Decimal(`-${i % 50}.125`),
    changePercent24h: new Decimal('-1.25'),
    volume24h: new Decimal('12345.678'),
    timestamp,
    source: 'binance',
  }))
  return { symbols, amounts, updates }
}

/** Updates per second for `ms` of work, cycling through `updates`. */
function updatesPerSecond(updates, ms, batch, body) {
  const deadline = process.hrtime.bigint() + BigInt(ms) * 1_000_000n
  const start = process.hrtime.bigint()
  let done = 0
  let now = start
  while (now < deadline) {
    for (let i = 0; i < batch; i++) body(updates[(done + i) % updates.length])
    done += batch
    now = process.hrtime.bigint()
  }
  return done / (Number(now - start) / 1e9)
}

export async function run({ quick }) {
  const { createPortfolioMonitor } = await import('@crypto-analyzer/portfolio')
  const slice = quick ? 60 : 300
  const repetitions = quick ? 3 : 7
  const results = []
  for (const holdings of [10, 1000]) {
    const { symbols, amounts, updates } = fixture(holdings)
    // Check the clock after every update when one takes milliseconds.
    const batch = holdings <= 10 ? 200 : 1
    const monitors = []

    // One monitor per mode, primed once (prices first, then holdings, so priming does not emit
    // a snapshot per price) and reused by every repetition: throttle 0 at 1,000 holdings spends
    // seconds on priming alone.
    const monitorRun = (throttle) => {
      const monitor = createPortfolioMonitor({ throttle })
      let snapshots = 0
      monitor.onSnapshot(() => snapshots++)
      for (const update of updates.slice(0, holdings)) monitor.applyPriceUpdate(update)
      symbols.forEach((symbol, i) => monitor.addHolding(symbol, amounts[i]))
      monitors.push(monitor)
      return () => {
        const before = monitor.getStats()
        const emitted = snapshots
        const rate = updatesPerSecond(updates, slice, batch, (update) =>
          monitor.applyPriceUpdate(update),
        )
        const stats = monitor.getStats()
        const applied = stats.updatesApplied - before.updatesApplied
        if (stats.updatesIgnored > 0 || applied === 0) {
          throw new Error(`portfolio ignored updates: ${JSON.stringify(stats)}`)
        }
        if (throttle === 0 && snapshots - emitted < applied) {
          throw new Error(`throttle 0 emitted ${snapshots - emitted} snapshots for ${applied}`)
        }
        return rate
      }
    }

    let checksum = new Decimal(0)
    const naive = () => {
      const amountList = amounts.map((a) => new Decimal(a))
      const prices = new Map()
      const rate = updatesPerSecond(updates, slice, batch, (update) => {
        prices.set(update.symbol, update.price)
        let total = new Decimal(0)
        for (let i = 0; i < symbols.length; i++) {
          const price = prices.get(symbols[i])
          if (price !== undefined) total = total.plus(amountList[i].times(price))
        }
        checksum = total
      })
      return rate
    }

    const measured = await compare({
      repetitions,
      warmup: true,
      ours: monitorRun(0),
      baselines: { naive, throttled: monitorRun(undefined) },
    })
    for (const monitor of monitors) await monitor.stop()
    if (checksum.isZero()) throw new Error('naive recompute summed nothing')
    const common = {
      name: 'portfolio',
      unit: 'updates/s',
      higherIsBetter: true,
      baseline: measured.baselines.naive,
      baselineName: 'naive full recompute (Decimal sum loop)',
    }
    results.push(
      result({
        ...common,
        params: { holdings, mode: 'every update → snapshot' },
        ours: measured.ours,
      }),
      result({
        ...common,
        params: { holdings, mode: 'default throttle 250 ms' },
        ours: measured.baselines.throttled,
      }),
    )
  }
  return results
}
