#!/usr/bin/env node
// Cold start of the CLI against bare Node, measured in the same run so the ratio means something
// on a shared machine: `node -e 0`, `crypto-analyzer --version` (process exit) and
// `crypto-analyzer stream monitor --provider mock` (first price on stdout). Median of N runs,
// interleaved. Needs a build (`pnpm -F @crypto-analyzer/cli build`).
//
//   node bench/startup.mjs [--runs 7] [--json]
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin', 'run.js')
const args = process.argv.slice(2)
const runs = Math.max(5, Number(args[args.indexOf('--runs') + 1]) || 7)
const asJson = args.includes('--json')
const home = mkdtempSync(join(tmpdir(), 'ca-cli-bench-'))
const env = { ...process.env, CRYPTO_ANALYZER_HOME: home, NODE_ENV: 'production', FORCE_COLOR: '0' }

/** Milliseconds until the process exits. */
function untilExit(argv) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, argv, { env, stdio: 'ignore' })
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code === 0) resolve(performance.now() - started)
      else reject(new Error(`${argv.join(' ')} exited ${code}`))
    })
  })
}

/** Milliseconds until the first byte on stdout; then the process is stopped with SIGINT. */
function untilFirstOutput(argv) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'ignore'] })
    let elapsed
    child.on('error', reject)
    child.stdout.once('data', () => {
      elapsed = performance.now() - started
      child.kill('SIGINT')
    })
    child.on('exit', (code) => {
      if (elapsed === undefined)
        reject(new Error(`${argv.join(' ')} exited ${code} before printing`))
      else resolve(elapsed)
    })
  })
}

const cases = [
  { name: 'node -e 0', measure: () => untilExit(['-e', '0']) },
  { name: 'crypto-analyzer --version', measure: () => untilExit([bin, '--version']) },
  {
    name: 'stream monitor --provider mock (first price)',
    measure: () =>
      untilFirstOutput([
        bin,
        'stream',
        'monitor',
        '--provider',
        'mock',
        '--json',
        '--log-level',
        'error',
      ]),
  },
]

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

try {
  // One warm-up round fills the OS file cache, as a user's second run would find it.
  for (const entry of cases) await entry.measure()
  const samples = cases.map(() => [])
  for (let round = 0; round < runs; round++) {
    for (const [index, entry] of cases.entries()) samples[index].push(await entry.measure())
  }
  const baseline = median(samples[0])
  const results = cases.map((entry, index) => ({
    case: entry.name,
    median_ms: Math.round(median(samples[index]) * 10) / 10,
    vs_node: Math.round((median(samples[index]) / baseline) * 100) / 100,
    runs,
  }))
  if (asJson) {
    console.log(JSON.stringify({ node: process.version, results }))
  } else {
    console.log(`crypto-analyzer start-up, median of ${runs} runs (${process.version})`)
    for (const result of results) {
      console.log(
        `  ${result.case.padEnd(46)} ${String(result.median_ms).padStart(7)} ms  ${String(result.vs_node).padStart(5)}× node -e 0`,
      )
    }
  }
} finally {
  rmSync(home, { recursive: true, force: true })
}
