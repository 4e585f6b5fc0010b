import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeBinance } from '@crypto-analyzer/fake-exchanges'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from '@crypto-analyzer/test-support'
import { bin, root, spawnCli, tempHome } from './test-support/run.js'

const ESC = '\u001b'
const CURSOR_UP = new RegExp(`${ESC}\\[\\d+A`, 'g')
const ERASE_LINE = new RegExp(`${ESC}\\[2K`, 'g')
const ANY_SEQUENCE = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g')

const HOOKS = `import { appendFileSync } from 'node:fs'
let log
export function initialize(path) { log = path }
export async function load(url, context, next) {
  appendFileSync(log, url + '\\n')
  return next(url, context)
}
`

// These run the real executable (`node bin/run.js`) as users and scripts do.
describe('crypto-analyzer executable', () => {
  let home: ReturnType<typeof tempHome>
  beforeEach(() => {
    home = tempHome()
  })
  afterEach(() => {
    home.remove()
  })

  it('prints help with every topic and exits 0 when run with --help', async () => {
    const cli = spawnCli(['--help'], { CRYPTO_ANALYZER_HOME: home.path })
    expect(await cli.exited).toEqual({ code: 0, signal: null })
    expect(cli.stdout()).toContain('USAGE\n  $ crypto-analyzer [COMMAND]')
    expect(cli.stdout()).toMatch(/portfolio\s+Manage saved holdings/)
    expect(cli.stdout()).toMatch(/stream\s+Stream live prices/)
  })

  it('loads no command module for --version and --help (the manifest answers)', async () => {
    // A module hook records every ES module Node loads; commands are ES modules under dist/.
    const log = join(home.path, 'loaded.log')
    writeFileSync(join(home.path, 'hooks.mjs'), HOOKS)
    writeFileSync(
      join(home.path, 'register.mjs'),
      `import { register } from 'node:module'\nregister(new URL('./hooks.mjs', import.meta.url), { data: ${JSON.stringify(log)} })\n`,
    )
    for (const argv of [['--version'], ['--help'], ['stream', 'monitor', '--help']]) {
      writeFileSync(log, '')
      const child = spawn(
        process.execPath,
        ['--import', join(home.path, 'register.mjs'), bin, ...argv],
        {
          cwd: root,
          stdio: 'ignore',
        },
      )
      const code = await new Promise((resolve) => child.on('exit', resolve))
      expect(code).toBe(0)
      const loaded = readFileSync(log, 'utf8').split('\n')
      expect(loaded).toContain(`file://${bin}`)
      expect(loaded.filter((url) => url.includes('/dist/commands/'))).toEqual([])
    }
  })

  it('prints the stream test report as JSON for the mock provider', async () => {
    const cli = spawnCli(['stream', 'test', '--provider', 'mock', '--duration', '2', '--json'], {
      CRYPTO_ANALYZER_HOME: home.path,
      CRYPTO_ANALYZER_MOCK_INTERVAL_MS: '200',
    })
    expect(await cli.exited).toEqual({ code: 0, signal: null })
    const report = JSON.parse(cli.stdout()) as {
      ok: boolean
      duration_seconds: number
      symbols: Record<string, { messages: number }>
    }
    expect(report.ok).toBe(true)
    expect(report.duration_seconds).toBe(2)
    expect(Object.keys(report.symbols)).toEqual(['BTC', 'ETH', 'ADA', 'DOT', 'LINK'])
    for (const entry of Object.values(report.symbols)) expect(entry.messages).toBeGreaterThan(0)
  })

  it('tests the local fake Binance given by --binance-url', async () => {
    const binance = await startFakeBinance({ tickInterval: 100 })
    try {
      const cli = spawnCli(
        [
          'stream',
          'test',
          '--provider',
          'binance',
          '--binance-url',
          binance.url,
          '--symbols',
          'BTC,ETH,SOL',
          '--duration',
          '2',
          '--json',
        ],
        { CRYPTO_ANALYZER_HOME: home.path },
      )
      expect(await cli.exited).toEqual({ code: 0, signal: null })
      const report = JSON.parse(cli.stdout()) as {
        provider: string
        ok: boolean
        symbols: Record<string, { messages: number; last_price: string }>
      }
      expect(report.provider).toBe('binance')
      expect(report.ok).toBe(true)
      expect(binance.subscriptions().sort()).toEqual([])
      expect(report.symbols['SOL']?.last_price).toMatch(/^\d+(\.\d+)?$/)
    } finally {
      await binance.close()
    }
  })

  it('stops stream monitor on SIGINT and exits 0', async () => {
    const cli = spawnCli(['stream', 'monitor', '--provider', 'mock', '--json'], {
      CRYPTO_ANALYZER_HOME: home.path,
    })
    await cli.waitForStdout(/"symbol":"BTC"/)
    cli.kill('SIGINT')
    expect(await cli.exited).toEqual({ code: 0, signal: null })
  })

  it('stops stream monitor when the reading end of its pipe closes', async () => {
    const cli = spawnCli(['stream', 'monitor', '--provider', 'mock', '--interval', '20'], {
      CRYPTO_ANALYZER_HOME: home.path,
    })
    await cli.waitForStdout(/ BTC /)
    cli.closeStdout()
    expect(await cli.exited).toEqual({ code: 0, signal: null })
  })

  it('redraws the monitor table in place on a terminal and restores it on Ctrl-C', async () => {
    // `script` runs the command on a pseudo terminal; Ctrl-C is typed into it.
    const command = `exec ${process.execPath} ${bin} stream monitor --provider mock --symbols BTC,ETH --interval 50 --refresh 0.1 --log-level error`
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: root,
      env: { ...process.env, CRYPTO_ANALYZER_HOME: home.path, TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => {
        resolve(code)
      })
    })
    // Several redraws with prices for both symbols.
    await waitFor(
      () => (output.match(CURSOR_UP) ?? []).length >= 5 && /ETH\S*\s+\d/.test(output),
      () => `five redraws with ETH prices, got ${JSON.stringify(output.slice(-500))}`,
      30_000,
    )
    child.stdin.write('\x03')
    expect(await exited).toBe(0)
    const plain = output.replace(ANY_SEQUENCE, '')
    expect(plain.match(/SYMBOL/g)).toHaveLength(1)
    expect(output.match(ERASE_LINE)?.length).toBeGreaterThan(5)
    expect(output.startsWith(`${ESC}[?25l`)).toBe(true)
    expect(output.trimEnd().endsWith(`${ESC}[?25h`)).toBe(true)
    expect(plain).toMatch(/BTC\s+\d+(\.\d+)?\s+[+-]?\d/)
    expect(plain).toContain('mock ● connected')
    expect(plain).toContain('mock ■ stopped')
  })

  it('shows a progress line on a terminal while stream test runs', async () => {
    const output = await onTerminal(
      `stream test --symbols BTC --duration 1.5 --interval 100 --log-level error`,
      home.path,
    )
    expect(output.code).toBe(0)
    expect(output.plain).toMatch(/testing mock: \d\.\d\/1\.5 s, \d+ messages, 1\/1 symbols/)
    expect(output.plain).toContain(
      'stream test  provider mock, 1.5 s  ✓ every symbol delivered data',
    )
  })

  it('draws the portfolio table in place on a terminal', async () => {
    const add = spawnCli(['portfolio', 'add', 'BTC', '0.5'], { CRYPTO_ANALYZER_HOME: home.path })
    expect(await add.exited).toEqual({ code: 0, signal: null })
    const output = await onTerminal(
      `portfolio show --duration 2.5 --refresh 0.2 --log-level error`,
      home.path,
    )
    expect(output.code).toBe(0)
    expect(output.raw.match(CURSOR_UP)?.length).toBeGreaterThan(2)
    expect(output.plain.match(/SYMBOL/g)).toHaveLength(1)
    expect(output.plain).toMatch(/BTC\s+0\.5\s+\d/)
  })

  it('rings the terminal bell when an alert fires on a terminal', async () => {
    const output = await onTerminal(
      `stream alert --symbol BTC --condition "price > 1" --duration 1.5 --interval 100 --log-level error`,
      home.path,
    )
    expect(output.code).toBe(0)
    expect(output.raw).toContain('\u0007')
    expect(output.plain).toMatch(/🔔 \d\d:\d\d:\d\d BTC price > 1 at \d/)
  })
})

/** Runs the CLI on a pseudo terminal (`script`) until it exits by itself. */
async function onTerminal(
  args: string,
  homePath: string,
): Promise<{ code: number | null; raw: string; plain: string }> {
  const child = spawn('script', ['-qfec', `exec ${process.execPath} ${bin} ${args}`, '/dev/null'], {
    cwd: root,
    env: { ...process.env, CRYPTO_ANALYZER_HOME: homePath, TERM: 'xterm-256color' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let raw = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk
  })
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', resolve)
  })
  return { code, raw, plain: raw.replace(ANY_SEQUENCE, '') }
}
