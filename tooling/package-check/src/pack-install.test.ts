// Installs every publishable package the way a user does, outside the workspace, and runs what its
// README says: each library alone in a fresh npm project (the README's install line, then its
// usage example, against the mock provider or a local fake exchange), and the CLI installed
// globally into an empty prefix running `crypto-analyzer stream test --provider mock --duration 2`.
// The packages come from their `pnpm pack` tarballs, served by a local registry for the
// @crypto-analyzer scope; every other dependency comes from npm (through the shared npm cache).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { startFakeBinance, startFakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import type { FakeBinance, FakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { packAll } from './internal/pack.js'
import type { PackedPackage } from './internal/pack.js'
import { importedPackages, installLine, toJavaScript, usageBlock } from './internal/readme.js'
import { startLocalRegistry } from './internal/registry.js'
import type { LocalRegistry } from './internal/registry.js'
import {
  describeRun,
  publishablePackages,
  run,
  ROOT,
  start,
  tarballStats,
} from './internal/workspace.js'
import type { RunResult, Started } from './internal/workspace.js'

interface Expectation {
  /** Patterns stdout must match. */
  readonly stdout: readonly RegExp[]
  /** A check made while the example runs (e.g. a client of the server it starts); its result must match `probed`. */
  readonly probe?: (example: Started) => Promise<string>
  readonly probed?: RegExp
}

/**
 * What each README's example must do, beyond exiting 0 (after a Ctrl-C when it waits for one).
 * The README text each comes from is quoted beside it. A package without an entry must print at
 * least one price.
 */
const EXPECTED: Record<string, Expectation> = {
  // console.log(encodePriceUpdate(...)) → {"type":"price_update","data":{"symbol":"BTC","price":50000,"change_24h":1000,...},"seq":1,...}
  '@crypto-analyzer/core-events': {
    stdout: [
      /^\{"type":"price_update","data":\{"symbol":"BTC","price":50000,"change_24h":1000,"change_percent_24h":2\.5,"volume_24h":1000000,"timestamp":"[^"]+","source":"mock"\},"seq":1,"timestamp":"[^"]+"\}$/m,
      /eventsPublished: 1\b/,
    ],
  },
  // if (frame.e === '24hrTicker') console.log(frame.s, frame.c)   (prices stay strings)
  '@crypto-analyzer/stream-manager': { stdout: [/^BTCUSDT \d+\.\d+$/m, /^ETHUSDT \d+\.\d+$/m] },
  // [mock] connected: mock provider ticking every 500 ms / BTC 65000 1.7014 % from mock
  '@crypto-analyzer/price-feeds': {
    stdout: [
      /^\[mock\] connected: mock provider ticking every 500 ms$/m,
      /^BTC \d+(\.\d+)? -?\d+(\.\d+)? % from mock$/m,
      /^ETH \d+(\.\d+)? -?\d+(\.\d+)? % from mock$/m,
    ],
  },
  // console.log(options.port, options.provider, options.home) / `${SETTINGS.length} settings; ...`
  '@crypto-analyzer/config': {
    stdout: [
      /^8001 coinbase \/tmp\/crypto-analyzer$/m,
      /^\d+ settings; --interval falls back to CRYPTO_ANALYZER_MOCK_INTERVAL_MS$/m,
    ],
  },
  // console.log(`total ...`, `24h ... (... %)`, `P&L ...`, rows.join(', '), ...)
  '@crypto-analyzer/portfolio': {
    stdout: [
      /^total \d+\.\d\d 24h -?\d+\.\d\d \(-?\d+\.\d\d %\) P&L -?\d+\.\d\d BTC \d+\.\d\d \(\d+\.\d %\), ETH \d+\.\d\d \(\d+\.\d %\)/m,
    ],
  },
  // () => console.log('dashboard on http://127.0.0.1:8000/'); "Anything published on the bus reaches the clients"
  '@crypto-analyzer/ws-server': {
    stdout: [/^dashboard on http:\/\/127\.0\.0\.1:\d+\/$/m],
    probe: receivePrice,
    probed: /^\{"type":"price_update","data":\{"symbol":"BTC","price":\d+(\.\d+)?,/,
  },
}
const ANY_PRICE = /\b(BTC|ETH|ADA|DOT|LINK)\w*\b.*\d/

/** The real exchanges' endpoints, which a test must never reach; README code is pointed at fakes. */
const REAL_ENDPOINTS = {
  binance: 'wss://stream.binance.com:9443/ws',
  coinbase: 'wss://ws-feed.exchange.coinbase.com',
}

const packages = publishablePackages()
const libraries = packages.filter((pkg) => pkg.manifest.bin === undefined)
const cli = packages.find((pkg) => pkg.manifest.bin?.['crypto-analyzer'] !== undefined)

const work = mkdtempSync(join(tmpdir(), 'ca-package-check-'))
const home = join(work, 'home')
let packed: PackedPackage[] = []
let registry: LocalRegistry | undefined
let binance: FakeBinance | undefined
let coinbase: FakeCoinbase | undefined
const figures: {
  tarballs: Record<string, { bytes: number; files: number; unpackedBytes: number }>
  installMs: Record<string, number>
  cliInstallMs?: number
  phantomImports: Record<string, string[]>
} = { tarballs: {}, installMs: {}, phantomImports: {} }

/** npm, pointed at the local registry for our scope only, with the shared cache. */
function npm(args: readonly string[], cwd: string, timeout = 150_000): Promise<RunResult> {
  if (registry === undefined) throw new Error('registry not started')
  return run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    timeout,
    env: {
      'npm_config_@crypto-analyzer:registry': registry.url,
      npm_config_update_notifier: 'false',
    },
  })
}

beforeAll(async () => {
  mkdirSync(home, { recursive: true })
  packed = await packAll(packages, join(work, 'tarballs'))
  registry = await startLocalRegistry()
  for (const pkg of packed) {
    await registry.add(pkg.tarball)
    figures.tarballs[pkg.name] = { bytes: pkg.size, ...(await tarballStats(pkg.tarball)) }
  }
  binance = await startFakeBinance({ tickInterval: 250 })
  coinbase = await startFakeCoinbase({ tickInterval: 250 })
}, 180_000)

afterAll(async () => {
  await registry?.close()
  await binance?.close()
  await coinbase?.close()
  mkdirSync(join(ROOT, 'tooling/package-check/test-results'), { recursive: true })
  writeFileSync(
    join(ROOT, 'tooling/package-check/test-results/package-figures.json'),
    `${JSON.stringify(figures, null, 2)}\n`,
  )
  console.log(
    [
      'package                          tarball   files   unpacked  npm install',
      ...Object.entries(figures.tarballs).map(
        ([name, t]) =>
          `${name.padEnd(32)} ${`${(t.bytes / 1024).toFixed(1)} kB`.padStart(8)} ${String(t.files).padStart(6)} ${`${(t.unpackedBytes / 1024).toFixed(1)} kB`.padStart(10)} ${seconds(name === cli?.manifest.name ? figures.cliInstallMs : figures.installMs[name]).padStart(11)}`,
      ),
    ].join('\n'),
  )
  rmSync(work, { recursive: true, force: true })
})

const seconds = (ms: number | undefined): string =>
  ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`

/** Waits (polling) until `check` returns something. */
async function waitFor<T>(
  check: () => T | null | undefined,
  timeout: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = check()
    if (value !== null && value !== undefined) return value
    if (Date.now() > deadline)
      throw new Error(`timed out after ${String(timeout)} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => {
        resolve(port)
      })
    })
  })
}

/** A WebSocket client of the server an example started: joins `prices`, returns the first price_update. */
async function receivePrice(example: Started): Promise<string> {
  const match = await waitFor(
    () => /http:\/\/127\.0\.0\.1:(\d+)/.exec(example.stdout()),
    20_000,
    'the server URL on stdout',
  )
  const socket = new WebSocket(`ws://127.0.0.1:${match[1] ?? ''}/ws`)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate()
      reject(new Error('no price_update within 15 s'))
    }, 15_000)
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'join_room', room: 'prices' }))
    })
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8')
      if (!text.startsWith('{"type":"price_update"')) return
      clearTimeout(timer)
      socket.close()
      resolve(text)
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

const readmeOf = (dir: string): string => {
  const path = join(ROOT, dir, 'README.md')
  expect(existsSync(path), `${dir} has no README.md`).toBe(true)
  return readFileSync(path, 'utf8')
}

describe.each(libraries.map((pkg) => [pkg.manifest.name, pkg.dir] as const))(
  '%s from its tarball',
  (name, dir) => {
    it('installs alone with the README install line and runs the README example', async () => {
      const pkg = packed.find((p) => p.name === name)
      expect(pkg, `${name} was not packed`).toBeDefined()
      const readme = readmeOf(dir)
      const install = installLine(readme)
      expect(install, `${dir}/README.md has no install line (npm install / pnpm add)`).toBeDefined()
      const block = usageBlock(readme)
      expect(block, `${dir}/README.md has no js/ts usage block`).toBeDefined()
      if (install === undefined || block === undefined) return

      // A fresh project outside the workspace, with exactly what the README says to install.
      const project = join(work, name.replace('/', '__'))
      mkdirSync(project, { recursive: true })
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'readme-check', private: true, type: 'module' }),
      )
      const installed = await npm(['install', ...install.packages], project)
      expect(installed.code, `${install.command}: ${describeRun(installed)}`).toBe(0)
      figures.installMs[name] = installed.ms
      const manifest = JSON.parse(
        readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string }
      expect(manifest.version).toBe(pkg?.version)

      // The example, pointed at the local fake exchanges instead of the real ones.
      let code = toJavaScript(block)
      code = code
        .replaceAll(REAL_ENDPOINTS.binance, binance?.url ?? '')
        .replaceAll(REAL_ENDPOINTS.coinbase, coinbase?.url ?? '')
      expect(code).not.toMatch(/wss?:\/\/(?!127\.0\.0\.1)/)
      const phantom = importedPackages(code).filter(
        (imported) =>
          imported.startsWith('@crypto-analyzer/') && !install.packages.includes(imported),
      )
      if (phantom.length > 0) figures.phantomImports[name] = phantom

      // A server example listens on the README's port: a free one instead, so runs never collide.
      if (/port: 8000\b/.test(code)) code = code.replaceAll(/\b8000\b/g, String(await freePort()))
      writeFileSync(join(project, 'readme-example.mjs'), code)

      // An example that waits for Ctrl-C gets one after its probe, or after 4 s; the others stop
      // themselves.
      const expectation = EXPECTED[name] ?? { stdout: [ANY_PRICE] }
      const waitsForCtrlC = code.includes('SIGINT')
      const example = start(process.execPath, ['readme-example.mjs'], {
        cwd: project,
        timeout: 45_000,
        ...(waitsForCtrlC && expectation.probe === undefined ? { interruptAfter: 4000 } : {}),
        env: {
          CRYPTO_ANALYZER_HOME: home,
          CRYPTO_ANALYZER_BINANCE_URL: binance?.url,
          CRYPTO_ANALYZER_COINBASE_URL: coinbase?.url,
        },
      })
      let probed: string | Error | undefined
      if (expectation.probe !== undefined) {
        probed = await expectation.probe(example).catch((error: unknown) => error as Error)
        if (waitsForCtrlC) example.interrupt()
      }
      const result = await example.done
      expect(result.code, describeRun(result)).toBe(0)
      for (const pattern of expectation.stdout) {
        expect(result.stdout, describeRun(result)).toMatch(pattern)
      }
      if (expectation.probe !== undefined) {
        expect(probed, describeRun(result)).not.toBeInstanceOf(Error)
        expect(probed).toMatch(expectation.probed ?? /./)
      }
    })
  },
)

describe('@crypto-analyzer/cli installed globally from its tarball', () => {
  const prefix = join(work, 'prefix')
  const bin = join(prefix, 'bin', 'crypto-analyzer')

  it('installs into an empty prefix with npm install -g', async () => {
    expect(cli, 'no package has the crypto-analyzer bin').toBeDefined()
    mkdirSync(prefix, { recursive: true })
    const installed = await npm(
      ['install', '-g', '--prefix', prefix, cli?.manifest.name ?? ''],
      work,
    )
    expect(installed.code, describeRun(installed)).toBe(0)
    figures.cliInstallMs = installed.ms
  })

  it('answers --help listing the stream topic', async () => {
    const result = await run(bin, ['--help'], {
      cwd: work,
      timeout: 60_000,
      env: { CRYPTO_ANALYZER_HOME: home },
    })
    expect(result.code, describeRun(result)).toBe(0)
    expect(result.stdout).toMatch(/^\s+stream\s/m)
  })

  it('runs crypto-analyzer stream test --provider mock --duration 2', async () => {
    const result = await run(bin, ['stream', 'test', '--provider', 'mock', '--duration', '2'], {
      cwd: work,
      timeout: 60_000,
      env: { CRYPTO_ANALYZER_HOME: home },
    })
    expect(result.code, describeRun(result)).toBe(0)
    expect(result.stdout).toContain('every symbol delivered data')
    for (const symbol of ['BTC', 'ETH', 'ADA', 'DOT', 'LINK']) {
      expect(result.stdout).toMatch(new RegExp(`^${symbol}\\s+[1-9]\\d*\\s+\\d+(\\.\\d+)?\\s`, 'm'))
    }
  })
})
