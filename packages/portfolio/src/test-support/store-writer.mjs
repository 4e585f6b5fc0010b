// Spawned by store.test.ts: adds `count` alerts (ids `<tag>-<n>`) to the store in `home`, one
// read-modify-write each, racing with other writers. Imports the built package, as a user would.
import { createStateStore } from '../../dist/index.js'

const [home, tag, countText] = process.argv.slice(2)
const store = createStateStore({ home, lockTimeout: 60_000 })
const count = Number(countText)
for (let n = 0; n < count; n++) {
  await store.updateAlerts((alerts) => [
    ...alerts,
    { id: `${tag}-${n}`, symbol: 'BTC', condition: `price > ${n}` },
  ])
  await store.updateHoldings((holdings) => {
    const mine = holdings.find((h) => h.symbol === tag.toUpperCase())
    const amount = String(Number(mine?.amount ?? '0') + 1)
    return [...holdings.filter((h) => h !== mine), { symbol: tag.toUpperCase(), amount }]
  })
}
process.stdout.write('done\n')
