// Custom alerts, two ways, on live prices (mock by default):
//  1. the alert engine's condition grammar (`price > 50000`, `crosses_above`, `and`, cooldowns),
//     the same alerts `crypto-analyzer stream alert` saves and the server evaluates;
//  2. a rule of your own as an event-bus subscription with a `custom` filter predicate.
// Nothing is saved: the alerts live in this process only.
//
//   pnpm -F @crypto-analyzer/examples-streaming custom-alerts -- --duration 10
//   pnpm -F @crypto-analyzer/examples-streaming custom-alerts -- --alert "BTC: price crosses_above 100000" --provider binance
import {
  EventType,
  createEventBus,
  formatDecimal,
  isCryptoAnalyzerError,
  parseDecimal,
} from '@crypto-analyzer/core-events'
import type { AnyStreamEvent, Decimal, PriceUpdate } from '@crypto-analyzer/core-events'
import { createAlertEngine } from '@crypto-analyzer/portfolio'
import type { AlertDefinition } from '@crypto-analyzer/portfolio'
import { createPriceFeedManager } from '@crypto-analyzer/price-feeds'
import { feedOptions, parseExampleOptions, stopAfter } from './lib/options.js'

const options = parseExampleOptions(
  'custom-alerts: alert conditions and a custom bus rule on live prices',
  {
    alert: { type: 'string', multiple: true },
    move: { type: 'string', default: '0.1' },
    quiet: { type: 'boolean', default: false },
  },
  `Own flags:
  --alert "<SYMBOL>: <condition>"  an alert (repeatable), e.g. "BTC: price > 60000 and change_percent_24h > 1";
                                   default: demo alerts that fire on the mock's prices
  --move <percent>                 custom rule: report a move of at least this many percent between two
                                   consecutive updates of a symbol (default 0.1)
  --quiet                          print alerts only, not every price`,
)

const bus = createEventBus()
bus.start()
const feeds = createPriceFeedManager({ ...feedOptions(options), bus })
feeds.addProvider(options.provider, options.symbols, { isPrimary: true })
for (const fallback of options.fallback) feeds.addProvider(fallback, options.symbols)

// 1. Grammar alerts. Each fires on its edge (false → true), then re-arms when false again; a new
// alert starts armed, so one that already holds fires at the first price.
const engine = createAlertEngine({ bus })
engine.attach(bus) // price_update events, and feed_status events for the reconnect rule
engine.onAlert((alert) => {
  console.log(
    `ALERT ${alert.id} ${alert.symbol} ${alert.condition} at ${formatDecimal(alert.price)}: ${alert.message}`,
  )
})

const alertFlags = options.extra['alert']
const definitions: AlertDefinition[] = []
for (const text of Array.isArray(alertFlags) ? alertFlags.map(String) : []) {
  const colon = text.indexOf(':')
  if (colon < 1) {
    console.error(
      `error: --alert "${text}" is not "<SYMBOL>: <condition>", e.g. "BTC: price > 60000"`,
    )
    process.exit(2)
  }
  definitions.push({ symbol: text.slice(0, colon).trim(), condition: text.slice(colon + 1).trim() })
}
const demo = definitions.length === 0
if (demo) {
  const first = options.symbols[0] ?? 'BTC'
  definitions.push({
    id: 'demo-floor',
    symbol: first,
    condition: 'price > 0.000001',
    message: `${first} has a price (holds at once, so it fires once at the first update)`,
  })
}
for (const definition of definitions) {
  try {
    const alert = engine.addAlert(definition)
    console.log(`alert ${alert.id}: ${alert.symbol} ${alert.condition}`)
  } catch (error) {
    // A condition off the grammar is a PortfolioError whose message shows where and how to fix it.
    if (!isCryptoAnalyzerError(error)) throw error
    console.error(
      `error: --alert "${definition.symbol}: ${definition.condition}": ${error.message}`,
    )
    process.exit(2)
  }
}

// In the demo, band alerts are added around each symbol's first price, 0.02 % either side, with
// a cooldown: they fire when the random walk crosses out of the band.
const banded = new Set<string>()
const addBand = (update: PriceUpdate): void => {
  if (!demo || banded.has(update.symbol)) return
  banded.add(update.symbol)
  const up = update.price.times('1.0002').toSignificantDigits(8)
  const down = update.price.times('0.9998').toSignificantDigits(8)
  for (const [id, condition] of [
    [`${update.symbol}-up`, `price crosses_above ${formatDecimal(up)}`],
    [`${update.symbol}-down`, `price crosses_below ${formatDecimal(down)}`],
  ] as const) {
    engine.addAlert({ id, symbol: update.symbol, condition, cooldown: 5000 })
    console.log(`alert ${id}: ${update.symbol} ${condition}`)
  }
}

// 2. A rule of your own: any predicate over bus events, here "a big move between two updates".
const movePercent = parseDecimal(String(options.extra['move']))
if (movePercent?.isPositive() !== true) {
  console.error(`error: --move must be a positive decimal, e.g. 0.1`)
  process.exit(2)
}
const previous = new Map<string, Decimal>()
const bigMove = (event: AnyStreamEvent): boolean => {
  if (event.type !== EventType.PRICE_UPDATE) return false
  const before = previous.get(event.data.symbol)
  previous.set(event.data.symbol, event.data.price)
  if (before === undefined) return false
  return event.data.price
    .minus(before)
    .abs()
    .div(before)
    .times(100)
    .greaterThanOrEqualTo(movePercent)
}
bus.subscribe(
  'big-move',
  (event) => {
    const update = event.data as PriceUpdate
    console.log(
      `MOVE ${update.symbol} moved at least ${formatDecimal(movePercent)} % in one update, now ${formatDecimal(update.price)}`,
    )
  },
  { eventTypes: [EventType.PRICE_UPDATE], custom: bigMove },
)

// Every price, printed (and used to set up the demo's band alerts).
bus.subscribe(
  'prices',
  (event) => {
    const update = event.data as PriceUpdate
    if (options.extra['quiet'] !== true) {
      console.log(`price ${update.symbol} ${formatDecimal(update.price)} (${update.source})`)
    }
    addBand(update)
  },
  { eventTypes: [EventType.PRICE_UPDATE] },
)

await feeds.start()

stopAfter(options.duration, async () => {
  await feeds.stop()
  engine.stop()
  bus.stop()
  const stats = engine.getStats()
  console.log(`evaluated ${String(stats.evaluated)} updates, fired ${String(stats.fired)} alerts`)
})
