// node packages/price-feeds/examples/mock-demo.mjs [binance|coinbase|mock] [seconds]
// Prints normalized prices for a few seconds. With binance/coinbase it connects to
// CRYPTO_ANALYZER_BINANCE_URL / CRYPTO_ANALYZER_COINBASE_URL (e.g. a local fake exchange),
// else to the real exchange, with the mock as fallback.
import { formatDecimal } from '@crypto-analyzer/core-events'
import { VENUES, createPriceFeedManager } from '@crypto-analyzer/price-feeds'

const provider = process.argv[2] ?? 'mock'
const seconds = Number(process.argv[3] ?? 3)

// The library reads no environment: this script does, for every venue with a URL.
const urls = Object.fromEntries(
  VENUES.filter((venue) => venue.urlVariable !== undefined).map((venue) => [
    venue.name,
    process.env[venue.urlVariable],
  ]),
)
const feeds = createPriceFeedManager({ urls, mock: { interval: 500, seed: 42 } })
if (provider === 'mock') {
  feeds.addProvider('mock', ['BTC', 'ETH'])
} else {
  feeds.addProvider(provider, ['BTC', 'ETH'], { isPrimary: true })
  feeds.addProvider('mock', ['BTC', 'ETH']) // fallback while the exchange is down
}

feeds.addHandler((u) => {
  console.log(
    `${u.symbol.padEnd(4)} ${formatDecimal(u.price).padStart(12)} ` +
      `${formatDecimal(u.changePercent24h).padStart(8)} %  vol ${formatDecimal(u.volume24h)}  from ${u.source}`,
  )
})
feeds.onStatus((s) => console.log(`[${s.provider}] ${s.state}${s.reason ? `: ${s.reason}` : ''}`))
feeds.onError((e) => console.error(`[${e.provider}] ${e.reason}: ${e.message}`))

await feeds.start()
setTimeout(async () => {
  console.log(JSON.stringify(feeds.getStatus().symbols))
  await feeds.stop()
}, seconds * 1000)
