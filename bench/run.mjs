#!/usr/bin/env node
// pnpm bench [--quick] [case ...]: runs each case, prints one table, writes bench/results/<case>.json.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { printTable, writeResults } from './lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.filter((arg) => !arg.startsWith('--'))
const cases = readdirSync(join(here, 'cases'))
  .filter((file) => file.endsWith('.mjs'))
  .map((file) => file.replace(/\.mjs$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))

if (only.length > 0 && cases.length !== only.length) {
  console.error(
    `unknown case in ${only.join(', ')}; cases are: ${readdirSync(join(here, 'cases')).join(', ')}`,
  )
  process.exit(2)
}

// Quick runs (CI) only prove the cases work; their figures are not committed.
const outDir = join(here, quick ? 'results/tmp' : 'results')
const all = []
for (const name of cases) {
  const started = Date.now()
  process.stderr.write(`bench: ${name}${quick ? ' (quick)' : ''} ...`)
  const { run } = await import(`./cases/${name}.mjs`)
  const results = await run({ quick })
  writeResults(name, results, outDir)
  all.push(...results)
  process.stderr.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
}
printTable(all)
