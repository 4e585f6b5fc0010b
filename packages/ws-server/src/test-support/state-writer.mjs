// A separate process for the Redis state store tests: adds COUNT alerts (ids <tag>-<n>) one
// update at a time through createRedisStateStore from the built package, then prints "done".
import { createRedisStateStore } from '../../dist/index.js'

const [url, prefix, tag, count] = process.argv.slice(2)
const store = createRedisStateStore({ url, prefix })
for (let n = 0; n < Number(count); n++) {
  await store.updateAlerts((current) => [
    ...current,
    { id: `${tag}-${n}`, symbol: 'BTC', condition: `price > ${n + 1}` },
  ])
}
await store.quit()
process.stdout.write('done\n')
