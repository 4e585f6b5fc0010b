// A runnable tour of core-events: publish exact-decimal price updates on the bus, filter them,
// and write the wire JSON. Run: node packages/core-events/examples/bus-demo.mjs
import { Decimal, EventType, createEventBus, encodePriceUpdate } from '@crypto-analyzer/core-events'

const bus = createEventBus({ historySize: 100 })
bus.start()

bus.subscribe(
  'btc-printer',
  (event) => {
    if (event.type !== EventType.PRICE_UPDATE) return
    console.log(encodePriceUpdate(event.data, { seq: 1, sentAt: Date.now() }))
  },
  { eventTypes: [EventType.PRICE_UPDATE], symbols: ['BTC'] },
)

let price = new Decimal('50000.00')
for (let i = 0; i < 5; i++) {
  price = price.plus(new Decimal('0.01').times(i))
  bus.publishPriceUpdate('BTC', {
    symbol: 'BTC',
    price,
    change24h: new Decimal('1000.00'),
    changePercent24h: new Decimal('2.5'),
    volume24h: new Decimal('1000000.00'),
    timestamp: Date.now(),
    source: 'mock',
  })
  bus.publishPriceUpdate('DOGE', {
    symbol: 'DOGE',
    price: new Decimal('0.00014360'),
    change24h: new Decimal('0.00000291'),
    changePercent24h: new Decimal('2.068'),
    volume24h: new Decimal('20014582'),
    timestamp: Date.now(),
    source: 'mock',
  })
}
console.log(bus.getBusStats())
bus.stop()
