// Snapshot cost per price update with 10 and 1,000 holdings: `node bench/snapshot.mjs` after
// `pnpm -F @crypto-analyzer/portfolio build`. Not a test: it prints figures, median of 5 runs.
//   apply    applyPriceUpdate alone (the incremental revaluation of one holding + totals)
//   snapshot applyPriceUpdate + getSnapshot() (what each emitted snapshot costs: O(holdings))
import { performance } from 'node:perf_hooks'
import { Decimal } from '@crypto-analyzer/core-events'
import { createPortfolioMonitor } from '../dist/index.js'

const RUNS = 5

/**
 * @param {string[]} symbols
 * @param {number} count
 * @returns {import('@crypto-analyzer/core-events').PriceUpdate[]}
 */
function makeUpdates(symbols, count) {
  /** @type {import('@crypto-analyzer/core-events').PriceUpdate[]} */
  const updates = []
  for (let i = 0; i < count; i++) {
    const symbol = symbols[i % symbols.length]
    updates.push({
      symbol,
      price: new Decimal(`${1000 + (i % 997)}.${String(i % 100000000).padStart(8, '0')}`),
      change24h: new Decimal(`-${i % 50}.125`),
      changePercent24h: new Decimal('-1.25'),
      volume24h: new Decimal('12345.678'),
      timestamp: Date.now(),
      source: 'mock',
    })
  }
  return updates
}

/**
 * @param {number} holdings
 * @param {number} count
 * @param {boolean} withSnapshot
 */
function measure(holdings, count, withSnapshot) {
  const symbols = Array.from({ length: holdings }, (_, i) => `S${i}`)
  const updates = makeUpdates(symbols, count)
  const results = []
  for (let run = 0; run < RUNS; run++) {
    // A long throttle: emission is measured by calling getSnapshot() directly.
    const monitor = createPortfolioMonitor({ throttle: 3_600_000, staleAfter: 0 })
    for (const [i, symbol] of symbols.entries()) {
      monitor.addHolding(symbol, `${i + 1}.12345678`, { costBasis: '999.5' })
    }
    for (const update of updates.slice(0, symbols.length)) monitor.applyPriceUpdate(update)
    const start = performance.now()
    for (const update of updates) {
      monitor.applyPriceUpdate(update)
      if (withSnapshot) monitor.getSnapshot()
    }
    results.push(((performance.now() - start) * 1000) / count)
    void monitor.stop()
  }
  results.sort((a, b) => a - b)
  return results[Math.floor(RUNS / 2)]
}

const rows = []
for (const holdings of [10, 1000]) {
  const count = holdings === 10 ? 20_000 : 1_000
  const apply = measure(holdings, count, false)
  const snapshot = measure(holdings, count, true)
  rows.push({
    holdings,
    updates: count,
    'apply µs/update': apply.toFixed(2),
    'apply+snapshot µs/update': snapshot.toFixed(2),
  })
}
console.table(rows)
console.log(`node ${process.version}, median of ${RUNS} runs`)
