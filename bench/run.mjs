#!/usr/bin/env node
// pnpm bench [--quick] [case ...]: runs each case in its own Node process (fresh heap and JIT,
// a hard time bound, every helper process killed with it), prints one table, and writes
// bench/results/<case>.json. Full runs also refresh the table in bench/README.md.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { markdownTable, printTable, readResults, spawnNode, writeResults } from './lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const quick = args.includes('--quick')

// Inside the per-case process: run one case and hand its rows back.
const childIndex = args.indexOf('--case-child')
if (childIndex >= 0) {
  const name = args[childIndex + 1]
  const { run } = await import(`./cases/${name}.mjs`)
  const results = await run({ quick })
  process.send({ id: 1, value: results })
  process.disconnect()
  process.exit(0)
}

// Case order and hard time bounds (seconds) for a full and a quick run.
const CASES = {
  ingest: { full: 120, quick: 40 },
  bus: { full: 90, quick: 30 },
  portfolio: { full: 90, quick: 30 },
  startup: { full: 120, quick: 40 },
  fanout: { full: 420, quick: 90 },
  memory: { full: 300, quick: 60 },
}

const available = readdirSync(join(here, 'cases'))
  .filter((file) => file.endsWith('.mjs'))
  .map((file) => file.replace(/\.mjs$/, ''))
const only = args.filter((arg) => !arg.startsWith('--'))
const unknown = only.filter((name) => !available.includes(name))
if (unknown.length > 0) {
  console.error(`unknown case ${unknown.join(', ')}; cases are: ${available.join(', ')}`)
  process.exit(2)
}
const ordered = [...Object.keys(CASES), ...available.filter((name) => !(name in CASES))]
const cases = ordered.filter(
  (name) => available.includes(name) && (only.length === 0 || only.includes(name)),
)

// Quick runs (CI) only prove the cases work; their figures are not committed.
const outDir = join(here, quick ? 'results/tmp' : 'results')
const all = []
const failed = []
const startedAll = Date.now()
for (const name of cases) {
  const started = Date.now()
  process.stderr.write(`bench: ${name}${quick ? ' (quick)' : ''} ...`)
  const bound = (CASES[name]?.[quick ? 'quick' : 'full'] ?? 120) * 1000
  const proc = spawnNode(
    join(here, 'run.mjs'),
    ['--case-child', name, ...(quick ? ['--quick'] : [])],
    {
      execArgv: ['--expose-gc'],
    },
  )
  const answer = new Promise((resolve, reject) => {
    proc.child.on('message', (message) => {
      if (message.id === 1) resolve(message.value)
    })
    proc.exited.then(({ code, signal }) =>
      reject(new Error(`case process exited (${code ?? signal}) without results`)),
    )
  })
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`took longer than ${bound / 1000} s`)), bound)
  })
  try {
    const results = await Promise.race([answer, timeout])
    writeResults(name, results, outDir)
    all.push(...results)
    process.stderr.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  } catch (error) {
    failed.push(name)
    process.stderr.write(` FAILED: ${error.message}\n`)
  } finally {
    clearTimeout(timer)
    proc.child.kill('SIGKILL')
    await proc.exited
  }
}
const seconds = (Date.now() - startedAll) / 1000
if (all.length > 0) printTable(all)
console.log(`\n${cases.length - failed.length}/${cases.length} cases in ${seconds.toFixed(1)} s`)

if (!quick && only.length === 0 && failed.length === 0) await updateReadme(seconds)
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`)
  process.exit(1)
}

/** Rewrites the table between the markers in bench/README.md after a full run of every case. */
async function updateReadme(runSeconds) {
  const readme = join(here, 'README.md')
  if (!existsSync(readme)) return
  const text = readFileSync(readme, 'utf8')
  const start = '<!-- results:start -->'
  const end = '<!-- results:end -->'
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) return
  const rows = ordered
    .filter((name) => existsSync(join(here, 'results', `${name}.json`)))
    .flatMap((name) => readResults(join(here, 'results', `${name}.json`)))
  const machineInfo = rows[0]?.machine
  const body = [
    start,
    `\`node bench/run.mjs\`, every case, ${runSeconds.toFixed(0)} s; ${machineInfo?.cpus} CPUs, ` +
      `Node ${machineInfo?.node}; ${new Date().toISOString().slice(0, 10)}.`,
    '',
    markdownTable(rows),
    end,
  ].join('\n')
  let next = text.slice(0, from) + body + text.slice(to + end.length)
  // The repository checks formatting: write the table the way prettier would.
  try {
    const prettier = await import('prettier')
    const config = (await prettier.resolveConfig(readme)) ?? {}
    next = await prettier.format(next, { ...config, filepath: readme })
  } catch (error) {
    console.error(`bench: README table left unformatted (${error.message})`)
  }
  writeFileSync(readme, next)
}
