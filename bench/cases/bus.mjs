// Bus: publishPriceUpdate to N filtered subscriptions vs a raw RxJS Subject with the same filters
// as filter() operators. Figure: events published per second (each reaching N handlers).
import { Decimal, EventType, createEventBus } from '@crypto-analyzer/core-events'
import { Subject, filter } from 'rxjs'
import { compare, opsPerSecond, result } from '../lib.mjs'

const SYMBOLS = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK']

function updates() {
  return SYMBOLS.map((symbol, i) => ({
    symbol,
    price: new Decimal(`${1000 + i}.25`),
    change24h: new Decimal('1.5'),
    changePercent24h: new Decimal('0.15'),
    volume24h: new Decimal('12345.678'),
    timestamp: Date.now(),
    source: 'binance',
  }))
}

export async function run({ quick }) {
  const events = quick ? 20_000 : 300_000
  const repetitions = quick ? 3 : 7
  const data = updates()
  const results = []
  for (const subscribers of [1, 10, 100]) {
    const count = Math.max(2_000, Math.round(events / Math.sqrt(subscribers)))
    let sink = 0
    const handler = () => {
      sink++
    }
    const measured = await compare({
      repetitions,
      warmup: true,
      ours: () => {
        const bus = createEventBus({ historySize: 1000 })
        bus.start()
        for (let s = 0; s < subscribers; s++) {
          bus.subscribe(`s${s}`, handler, {
            eventTypes: [EventType.PRICE_UPDATE],
            symbols: SYMBOLS,
          })
        }
        const rate = opsPerSecond(count, (i) => {
          const update = data[i % data.length]
          bus.publishPriceUpdate(update.symbol, update)
        })
        bus.stop()
        return rate
      },
      baseline: () => {
        const subject = new Subject()
        const types = new Set([EventType.PRICE_UPDATE])
        const symbols = new Set(SYMBOLS)
        const subs = []
        for (let s = 0; s < subscribers; s++) {
          subs.push(
            subject
              .pipe(filter((event) => types.has(event.type) && symbols.has(event.symbol)))
              .subscribe(handler),
          )
        }
        let id = 0
        const rate = opsPerSecond(count, (i) => {
          const update = data[i % data.length]
          id++
          subject.next({
            id: `evt-${id}`,
            type: EventType.PRICE_UPDATE,
            source: update.source,
            symbol: update.symbol,
            data: update,
            timestamp: Date.now(),
          })
        })
        for (const sub of subs) sub.unsubscribe()
        return rate
      },
    })
    if (sink === 0) throw new Error('bus bench delivered nothing')
    results.push(
      result({
        name: 'bus',
        params: { subscribers },
        unit: 'events/s',
        higherIsBetter: true,
        baselineName: 'raw RxJS Subject + filter()',
        target: { min: 0.7 },
        ...measured,
      }),
    )
  }
  return results
}
