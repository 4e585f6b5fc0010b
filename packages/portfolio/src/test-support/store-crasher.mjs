// Spawned by store.test.ts and killed with SIGKILL mid-loop: rewrites a large holdings file
// again and again. Every version has `size` holdings whose amounts all equal the generation, so
// a torn file is easy to recognize. Prints each generation from inside the change callback,
// that is just before the new file is validated and written, so a kill soon after the line
// lands in the write.
import { createStateStore } from '../../dist/index.js'

const [home, sizeText] = process.argv.slice(2)
const store = createStateStore({ home })
const size = Number(sizeText)
for (let generation = 1; ; generation++) {
  await store.updateHoldings(() => {
    process.stdout.write(`writing ${generation}\n`)
    return Array.from({ length: size }, (_, i) => ({
      symbol: `S${i}`,
      amount: `${generation}.${'0'.repeat(40)}1`,
      costBasis: '12345.6789',
    }))
  })
}
