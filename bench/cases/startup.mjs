// Start-up: wall time from spawn to exit of `crypto-analyzer --version`, and from spawn to the
// first stdout line of `crypto-analyzer stream monitor --provider mock --json` (the first mock
// price, sent at once on start), vs `node -e 0` (Node's own start-up floor), all spawned the
// same way (process.execPath, the CLI's bin/run.js), interleaved, a private CRYPTO_ANALYZER_HOME.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { compare, result } from '../lib.mjs'

const require = createRequire(import.meta.url)
const BIN = join(dirname(require.resolve('@crypto-analyzer/cli/package.json')), 'bin/run.js')

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6

/** Milliseconds from spawn to exit (status 0 required). */
function timeToExit(args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stdout.resume()
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('exit', (code) => {
      const elapsed = ms(start)
      if (code === 0) resolve(elapsed)
      else reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`))
    })
  })
}

/** Milliseconds from spawn to the first complete stdout line; then stops the process. */
function timeToFirstLine(args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let elapsed
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.stdout.on('data', (chunk) => {
      if (elapsed !== undefined) return
      stdout += chunk
      if (stdout.includes('\n')) {
        elapsed = ms(start)
        child.kill('SIGINT')
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref()
      }
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(deadline)
      if (elapsed === undefined) {
        reject(
          new Error(
            `${args.join(' ')} printed no line (${code ?? signal}): ${stderr.slice(0, 500)}`,
          ),
        )
        return
      }
      const line = stdout.slice(0, stdout.indexOf('\n'))
      const parsed = JSON.parse(line)
      if (typeof parsed.symbol !== 'string' || parsed.price === undefined) {
        reject(new Error(`first line is not a price: ${line}`))
        return
      }
      resolve(elapsed)
    })
  })
}

export async function run({ quick }) {
  const home = mkdtempSync(join(tmpdir(), 'ca-bench-'))
  const env = {
    ...process.env,
    CRYPTO_ANALYZER_HOME: home,
    CRYPTO_ANALYZER_LOG_LEVEL: 'error',
    NO_COLOR: '1',
  }
  try {
    const measured = await compare({
      repetitions: quick ? 3 : 10,
      warmup: true,
      ours: () => timeToExit([BIN, '--version'], env),
      baselines: {
        node: () => timeToExit(['-e', '0'], env),
        firstPrice: () =>
          timeToFirstLine([BIN, 'stream', 'monitor', '--provider', 'mock', '--json'], env),
      },
    })
    const common = {
      name: 'startup',
      unit: 'ms',
      higherIsBetter: false,
      baseline: measured.baselines.node,
      baselineName: 'node -e 0',
    }
    return [
      result({
        ...common,
        params: { command: 'crypto-analyzer --version' },
        ours: measured.ours,
        target: { max: 2 },
      }),
      result({
        ...common,
        params: { command: 'stream monitor --provider mock --json, first line' },
        ours: measured.baselines.firstPrice,
      }),
    ]
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}
