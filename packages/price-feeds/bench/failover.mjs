#!/usr/bin/env node
// Failover time with DEFAULT manager settings: binance primary, coinbase fallback, both fakes
// ticking every 1000 ms like the real exchanges. The primary is killed (every socket terminated,
// port closed) and we time kill → first update of each symbol from the fallback.
// `--stall` instead stalls the primary (TCP open, nothing sent): detection needs staleAfter.
//   node bench/failover.mjs [--runs 5] [--stall]
import { startFakeBinance, startFakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import { createPriceFeedManager } from '../dist/index.js'

const args = process.argv.slice(2)
const runsIndex = args.indexOf('--runs')
const RUNS = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 5
const stall = args.includes('--stall')
const SYMBOLS = ['BTC', 'ETH']

const waitFor = async (condition, what, timeout = 120_000) => {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

async function once(run) {
  const bn = await startFakeBinance({ seed: run + 1 })
  const cb = await startFakeCoinbase({ seed: run + 100 })
  const manager = createPriceFeedManager({ urls: { binance: bn.url, coinbase: cb.url } })
  manager.addProvider('binance', SYMBOLS, { isPrimary: true })
  manager.addProvider('coinbase', SYMBOLS)
  const firstFallback = new Map()
  let killedAt = Infinity
  manager.addHandler((update) => {
    if (update.source === 'coinbase' && !firstFallback.has(update.symbol)) {
      firstFallback.set(update.symbol, Date.now() - killedAt)
    }
  })
  await manager.start()
  // Both feeds live for a few ticks first.
  await waitFor(
    () => SYMBOLS.every((s) => manager.getLatest(s)?.source === 'binance'),
    'primary data',
  )
  await waitFor(
    () => (manager.getStatus().providers[1]?.messagesReceived ?? 0) >= 4,
    'fallback standby data',
  )
  await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1000))
  killedAt = Date.now()
  if (stall) bn.stall()
  else await bn.close()
  await waitFor(() => firstFallback.size === SYMBOLS.length, 'fallback updates')
  await manager.stop()
  await bn.close()
  await cb.close()
  return SYMBOLS.map((s) => firstFallback.get(s))
}

const all = []
for (let run = 0; run < RUNS; run++) {
  const times = await once(run)
  all.push(...times)
  console.log(`run ${run + 1}: ${SYMBOLS.map((s, i) => `${s} ${times[i]} ms`).join(', ')}`)
}
const sorted = [...all].sort((a, b) => a - b)
console.log(
  `${stall ? 'stall' : 'kill'} → first fallback update (default settings), ${all.length} samples: ` +
    `median ${sorted[Math.floor(sorted.length / 2)]} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms`,
)
