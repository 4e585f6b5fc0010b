// Shared helpers for benchmark cases: repeated interleaved measurement, medians, result files,
// latency histograms and child processes that always get cleaned up.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

export const machine = { cpus: availableParallelism(), node: process.version }

export function summary(values) {
  if (values.length === 0) throw new Error('summary() of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1] }
}

const collectGarbage = () => {
  if (typeof globalThis.gc === 'function') globalThis.gc()
}

/**
 * Runs `ours` and each baseline alternately `repetitions` times; each call returns one figure.
 * The order rotates every repetition (ours first, then a baseline first, ...) so neither side
 * always pays the other's garbage; with `warmup` every function runs once unmeasured first (JIT).
 * Pass `baseline` for one baseline ({ours, baseline}) or `baselines: {name: fn}` for several
 * ({ours, baselines: {name: summary}}).
 */
export async function compare({ repetitions, ours, baseline, baselines, warmup = false }) {
  const sides = [['ours', ours]]
  if (baseline !== undefined) sides.push(['baseline', baseline])
  for (const [name, fn] of Object.entries(baselines ?? {})) sides.push([name, fn])
  const figures = new Map(sides.map(([name]) => [name, []]))
  if (warmup) {
    for (const [, fn] of sides) await fn(-1)
  }
  for (let i = 0; i < repetitions; i++) {
    const shift = i % sides.length
    const order = [...sides.slice(shift), ...sides.slice(0, shift)]
    for (const [name, fn] of order) {
      collectGarbage()
      figures.get(name).push(await fn(i))
    }
  }
  const out = { ours: summary(figures.get('ours')) }
  if (baseline !== undefined) out.baseline = summary(figures.get('baseline'))
  if (baselines !== undefined) {
    out.baselines = Object.fromEntries(
      Object.keys(baselines).map((name) => [name, summary(figures.get(name))]),
    )
  }
  return out
}

/** Operations per second of a synchronous loop body run `count` times. */
export function opsPerSecond(count, body) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) body(i)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return count / seconds
}

/**
 * One result row. `target` (optional) is the goal for the ratio, e.g. {min: 0.7} or
 * {max: 1.25}; `notes` (optional) carries extra figures that explain the row.
 */
export function result({
  name,
  params,
  unit,
  higherIsBetter,
  ours,
  baseline,
  baselineName,
  target,
  notes,
}) {
  const row = {
    case: name,
    params,
    unit,
    higher_is_better: higherIsBetter,
    ours,
    baseline: { name: baselineName, ...baseline },
    ratio: ours.median / baseline.median,
    machine,
  }
  if (target !== undefined) {
    row.target = target
    row.target_met =
      (target.min === undefined || row.ratio >= target.min) &&
      (target.max === undefined || row.ratio <= target.max)
  }
  if (notes !== undefined) row.notes = notes
  return row
}

export function writeResults(caseName, results, dir) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}/${caseName}.json`, `${JSON.stringify(results, null, 2)}\n`)
}

export function readResults(file) {
  return JSON.parse(readFileSync(file, 'utf8'))
}

export const fmt = (n) => {
  if (!Number.isFinite(n)) return String(n)
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US')
  if (n === 0) return '0'
  return n.toPrecision(3)
}

const paramsText = (params) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')

const targetText = (r) => {
  if (r.target === undefined) return ''
  const goal = r.target.min !== undefined ? `≥ ${r.target.min}×` : `≤ ${r.target.max}×`
  return `${goal} ${r.target_met ? 'met' : 'MISSED'}`
}

function rows(results) {
  return results.map((r) => [
    r.case,
    paramsText(r.params),
    `${fmt(r.ours.median)} ${r.unit} (${fmt(r.ours.min)}–${fmt(r.ours.max)})`,
    `${r.baseline.name}: ${fmt(r.baseline.median)} (${fmt(r.baseline.min)}–${fmt(r.baseline.max)})`,
    `${r.ratio.toFixed(2)}× ${r.higher_is_better ? '↑' : '↓'}`,
    targetText(r),
  ])
}

const HEADER = [
  'case',
  'params',
  'ours median (min–max)',
  'baseline median (min–max)',
  'ratio (↑ higher / ↓ lower is better)',
  'target',
]

export function printTable(results) {
  const body = rows(results)
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  console.log(line(HEADER))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of body) console.log(line(row))
}

export function markdownTable(results) {
  const escape = (cell) => cell.replaceAll('|', '\\|')
  const lines = [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...rows(results).map((row) => `| ${row.map(escape).join(' | ')} |`),
  ]
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------------
// Latency histogram: log-spaced buckets, 1 % wide, from 1 µs; mergeable across processes.

const HIST_BASE = 0.001 // ms
const HIST_GROWTH = Math.log(1.01)

export function createHistogram() {
  return { buckets: new Map(), count: 0, max: 0 }
}

export function recordLatency(hist, ms) {
  const index = ms <= HIST_BASE ? 0 : Math.ceil(Math.log(ms / HIST_BASE) / HIST_GROWTH)
  hist.buckets.set(index, (hist.buckets.get(index) ?? 0) + 1)
  hist.count++
  if (ms > hist.max) hist.max = ms
}

export function mergeHistograms(hists) {
  const out = createHistogram()
  for (const hist of hists) {
    for (const [index, n] of hist.buckets) out.buckets.set(index, (out.buckets.get(index) ?? 0) + n)
    out.count += hist.count
    out.max = Math.max(out.max, hist.max)
  }
  return out
}

/** The q-quantile (0..1) in ms, to within the 1 % bucket width; the max is exact. */
export function quantile(hist, q) {
  if (hist.count === 0) return Number.NaN
  if (q >= 1) return hist.max
  const rank = Math.ceil(q * hist.count)
  let seen = 0
  for (const index of [...hist.buckets.keys()].sort((a, b) => a - b)) {
    seen += hist.buckets.get(index)
    if (seen >= rank) return Math.min(hist.max, HIST_BASE * Math.exp(index * HIST_GROWTH))
  }
  return hist.max
}

// ---------------------------------------------------------------------------------------------
// Child processes. Every helper process is a Node script with an IPC channel; it answers
// {id, cmd, ...} requests (see procs/ipc.mjs) and exits when its parent goes away. The file
// descriptor limit is raised to the hard limit first: 5,000 sockets need more than 1,024.

const children = new Set()

function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

export function spawnNode(script, args = [], { execArgv = [], env } = {}) {
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"',
      process.execPath,
      ...execArgv,
      script,
      ...args,
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: env ?? process.env,
    },
  )
  children.add(child)
  let nextId = 0
  const pending = new Map()
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child)
      for (const { reject } of pending.values()) {
        reject(new Error(`${script} exited (${code ?? signal}) before answering`))
      }
      pending.clear()
      resolve({ code, signal })
    })
  })
  child.on('message', (message) => {
    const waiter = pending.get(message.id)
    if (waiter === undefined) return
    pending.delete(message.id)
    if (message.error !== undefined) waiter.reject(new Error(`${script}: ${message.error}`))
    else waiter.resolve(message.value)
  })
  const proc = {
    pid: child.pid,
    child,
    exited,
    /** Sends a command; resolves with the helper's answer or rejects after `timeout` ms. */
    request(cmd, payload = {}, timeout = 60_000) {
      const id = ++nextId
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`${script}: ${cmd} timed out after ${timeout} ms`))
        }, timeout)
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer)
            resolve(value)
          },
          reject: (error) => {
            clearTimeout(timer)
            reject(error)
          },
        })
        child.send({ id, cmd, ...payload })
      })
    },
    /** Asks the helper to exit, then kills it if it has not within 3 s. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      try {
        child.send({ id: 0, cmd: 'exit' })
      } catch {
        // channel already closed
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
      await exited
      clearTimeout(timer)
    },
  }
  return proc
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /VmRSS:\s+(\d+) kB/.exec(status)
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1]) * 1024
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` every `every` ms until it returns a truthy value or `timeout` ms pass. */
export async function waitFor(check, { timeout, every = 50, what }) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await sleep(every)
  }
}
