// Real-time portfolio tracking: holdings valued live as prices arrive, with exact totals, 24h
// change, allocation and P&L against a cost basis. Mock prices by default.
//
//   pnpm -F @crypto-analyzer/examples-streaming portfolio-tracking -- --duration 5
//   pnpm -F @crypto-analyzer/examples-streaming portfolio-tracking -- --holdings BTC=0.5@42000,ETH=4 --provider binance
import { createPortfolioMonitor, roundForDisplay } from '@crypto-analyzer/portfolio'
import type { PortfolioValuation } from '@crypto-analyzer/portfolio'
import { formatDecimal } from '@crypto-analyzer/core-events'
import { feedOptions, parseExampleOptions, stopAfter } from './lib/options.js'

const options = parseExampleOptions(
  'portfolio-tracking: value holdings live',
  { holdings: { type: 'string', default: 'BTC=0.5@42000,ETH=4@2800,ADA=1500' } },
  `Own flags:
  --holdings <list>  SYMBOL=AMOUNT[@COST],... (default BTC=0.5@42000,ETH=4@2800,ADA=1500);
                     amounts and costs are exact decimal text`,
)

// At most one snapshot per second on screen; the valuation itself is updated on every price.
const monitor = createPortfolioMonitor({ throttle: 1000 })
const holdingsText = String(options.extra['holdings'])
for (const entry of holdingsText.split(',')) {
  const match = /^\s*([A-Za-z0-9]+)=([^@\s]+)(?:@(\S+))?\s*$/.exec(entry)
  if (match === null) {
    console.error(
      `error: --holdings entry "${entry}" is not SYMBOL=AMOUNT[@COST], e.g. BTC=0.5@42000`,
    )
    process.exit(2)
  }
  const [, symbol = '', amount = '', cost] = match
  // A bad symbol or amount throws a PortfolioError naming the problem.
  monitor.addHolding(symbol, amount, { costBasis: cost })
}

const money = (value: Parameters<typeof roundForDisplay>[0]): string => roundForDisplay(value, 2)
const signed = (text: string): string => (text.startsWith('-') ? text : `+${text}`)

function print(snapshot: PortfolioValuation): void {
  const time = new Date(snapshot.asOf).toISOString().slice(11, 19)
  const pnl =
    snapshot.totalUnrealizedPnl === undefined
      ? ''
      : `  P&L ${signed(money(snapshot.totalUnrealizedPnl))}`
  console.log(
    `${time} total ${money(snapshot.totalValue)}  24h ${signed(money(snapshot.totalChange24h))}` +
      ` (${signed(roundForDisplay(snapshot.totalChangePercent24h, 2))}%)${pnl}`,
  )
  for (const holding of snapshot.holdings) {
    const price = holding.price === undefined ? 'no price yet' : `@ ${formatDecimal(holding.price)}`
    const allocation =
      holding.allocationPercent === undefined
        ? ''
        : `  ${roundForDisplay(holding.allocationPercent, 1)}%`
    console.log(
      `         ${holding.symbol.padEnd(5)} ${holding.amount.toString().padStart(8)} ${price.padEnd(18)}` +
        ` = ${money(holding.value).padStart(10)}${allocation}`,
    )
  }
  if (snapshot.missing.length > 0) {
    console.log(`         waiting for a price: ${snapshot.missing.join(', ')}`)
  }
}

monitor.onSnapshot(print)

console.log(
  `Tracking ${monitor
    .getHoldings()
    .map((holding) => `${holding.amount.toString()} ${holding.symbol}`)
    .join(', ')} on ${[options.provider, ...options.fallback].join(' → ')}`,
)
// The monitor creates and owns its feed manager here; pass `feedManager` to share one instead.
await monitor.startMonitoring({
  provider: options.provider,
  fallback: options.fallback,
  feedOptions: feedOptions(options),
})

stopAfter(options.duration, async () => {
  const last = monitor.getSnapshot()
  await monitor.stop()
  console.log(`final value ${money(last.totalValue)} (exact: ${last.totalValue.toFixed()})`)
})
