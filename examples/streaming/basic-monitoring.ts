// Basic price monitoring: a price-feed manager publishes every update on the event bus, and a
// bus subscriber prints them. Mock prices by default (no network); `--provider binance` or
// `--provider coinbase` for a real exchange.
//
//   pnpm -F @crypto-analyzer/examples-streaming basic-monitoring -- --duration 5
//   pnpm -F @crypto-analyzer/examples-streaming basic-monitoring -- --provider binance --symbols BTC,ETH
import { EventType, createEventBus, formatDecimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'
import { createPriceFeedManager } from '@crypto-analyzer/price-feeds'
import { feedOptions, parseExampleOptions, stopAfter } from './lib/options.js'

const options = parseExampleOptions(
  'basic-monitoring: print live prices as they arrive, through the event bus',
)

const bus = createEventBus({ historySize: 100 })
bus.start()

const feeds = createPriceFeedManager({ ...feedOptions(options), bus })
feeds.addProvider(options.provider, options.symbols, { isPrimary: true })
for (const fallback of options.fallback) feeds.addProvider(fallback, options.symbols)

const time = (ms: number): string => new Date(ms).toISOString().slice(11, 19)
const signed = (text: string): string => (text.startsWith('-') ? text : `+${text}`)

// Subscribers choose what they see with a filter: here price updates only (feed statuses and
// errors travel on the same bus).
const counts = new Map<string, number>()
bus.subscribe(
  'price-printer',
  (event) => {
    const update = event.data as PriceUpdate
    counts.set(update.symbol, (counts.get(update.symbol) ?? 0) + 1)
    // Prices are exact Decimals; formatDecimal writes their exact text (no float rounding).
    console.log(
      `${time(update.timestamp)} ${update.symbol.padEnd(5)} ${formatDecimal(update.price).padStart(12)}` +
        `  ${signed(update.changePercent24h.toFixed(2))}%` +
        `  vol ${formatDecimal(update.volume24h.toDecimalPlaces(2))}  (${update.source})`,
    )
  },
  { eventTypes: [EventType.PRICE_UPDATE] },
)

feeds.onStatus((status) => {
  console.log(
    `[${status.provider}] ${status.state}${status.reason === undefined ? '' : `: ${status.reason}`}`,
  )
})
feeds.onError((error) => {
  console.error(`[${error.provider}] ${error.reason}: ${error.message}`)
})

console.log(
  `Monitoring ${options.symbols.join(', ')} on ${[options.provider, ...options.fallback].join(' → ')}` +
    (options.duration === undefined ? ' (Ctrl-C to stop)' : ` for ${String(options.duration)} s`),
)
await feeds.start()

stopAfter(options.duration, async () => {
  await feeds.stop()
  const stats = bus.getBusStats()
  bus.stop()
  const perSymbol = options.symbols.map((symbol) => `${symbol} ${String(counts.get(symbol) ?? 0)}`)
  console.log(`updates per symbol: ${perSymbol.join(', ')}`)
  console.log(
    `bus: ${String(stats.eventsPublished)} events published, ${String(stats.eventsProcessed)} delivered`,
  )
})
