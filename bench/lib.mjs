// Shared helpers for benchmark cases: repeated interleaved measurement, medians, result files.
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

export const machine = { cpus: availableParallelism(), node: process.version }

export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1] }
}

/** Runs `ours` and `baseline` alternately `repetitions` times; each returns one figure. */
export async function compare({ repetitions, ours, baseline }) {
  const a = []
  const b = []
  for (let i = 0; i < repetitions; i++) {
    a.push(await ours(i))
    b.push(await baseline(i))
  }
  return { ours: summary(a), baseline: summary(b) }
}

/** Operations per second of a synchronous loop body run `count` times. */
export function opsPerSecond(count, body) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) body(i)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return count / seconds
}

export function result({ name, params, unit, higherIsBetter, ours, baseline, baselineName }) {
  return {
    case: name,
    params,
    unit,
    higher_is_better: higherIsBetter,
    ours,
    baseline: { name: baselineName, ...baseline },
    ratio: ours.median / baseline.median,
    machine,
  }
}

export function writeResults(caseName, results, dir) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}/${caseName}.json`, `${JSON.stringify(results, null, 2)}\n`)
}

const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3))

export function printTable(results) {
  const rows = results.map((r) => [
    r.case,
    Object.entries(r.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    `${fmt(r.ours.median)} ${r.unit} (${fmt(r.ours.min)}–${fmt(r.ours.max)})`,
    `${r.baseline.name}: ${fmt(r.baseline.median)} (${fmt(r.baseline.min)}–${fmt(r.baseline.max)})`,
    `${r.ratio.toFixed(2)}× ${r.higher_is_better ? '(higher is better)' : '(lower is better)'}`,
  ])
  const header = ['case', 'params', 'ours median (min–max)', 'baseline median (min–max)', 'ratio']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) console.log(line(row))
}
