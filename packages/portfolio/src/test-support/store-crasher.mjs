// Spawned by store.test.ts and killed with SIGKILL mid-loop: rewrites a large holdings file
// again and again. Every version has `size` holdings whose amounts all equal the generation, so
// a torn file is easy to recognize. Prints each generation before writing it.
import { createStateStore } from '../../dist/index.js'

const [home, sizeText] = process.argv.slice(2)
const store = createStateStore({ home })
const size = Number(sizeText)
for (let generation = 1; ; generation++) {
  process.stdout.write(`writing ${generation}\n`)
  await store.updateHoldings(() =>
    Array.from({ length: size }, (_, i) => ({
      symbol: `S${i}`,
      amount: `${generation}.${'0'.repeat(40)}1`,
      costBasis: '12345.6789',
    })),
  )
}
