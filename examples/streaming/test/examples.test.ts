import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startFakeBinance } from '@crypto-analyzer/fake-exchanges'
import { startService } from '@crypto-analyzer/ws-server'
import { chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const home = mkdtempSync(join(tmpdir(), 'ca-examples-'))

afterAll(() => {
  rmSync(home, { recursive: true, force: true })
})

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs an example the way its package script does (TypeScript through tsx), with saved state in a
 * temporary home. The examples stop themselves after `--duration`; the deadline is only a guard.
 */
function runExample(file: string, args: readonly string[], deadline = 45_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, file), ...args], {
      cwd: root,
      env: { ...process.env, CRYPTO_ANALYZER_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const guard = setTimeout(() => child.kill('SIGKILL'), deadline)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

const lines = (text: string, pattern: RegExp): string[] =>
  text.split('\n').filter((line) => pattern.test(line))

/** A price as the examples print it: exact decimal text, never an exponent or a float artefact. */
const PRICE = String.raw`\d+(?:\.\d+)?`

describe('basic-monitoring', () => {
  it('prints mock prices for every symbol and stops by itself when --duration passes', async () => {
    const run = await runExample('basic-monitoring.ts', [
      '--duration',
      '3',
      '--interval',
      '200',
      '--symbols',
      'BTC,ETH',
      '--seed',
      '7',
    ])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('[mock] connected')
    for (const symbol of ['BTC', 'ETH']) {
      const prices = lines(
        run.stdout,
        new RegExp(
          String.raw`^\d\d:\d\d:\d\d ${symbol}\s+${PRICE}\s+[+-]\d+\.\d\d%  vol ${PRICE}  \(mock\)$`,
        ),
      )
      expect(prices.length, `${symbol} lines in:\n${run.stdout}`).toBeGreaterThanOrEqual(1)
    }
    expect(run.stdout).toMatch(/^updates per symbol: BTC [1-9]\d*, ETH [1-9]\d*$/m)
  })

  it('prints exchange prices when --provider binance points at a local exchange', async () => {
    const exchange = await startFakeBinance({ tickInterval: 200 })
    try {
      const run = await runExample('basic-monitoring.ts', [
        '--provider',
        'binance',
        '--binance-url',
        exchange.url,
        '--symbols',
        'BTC',
        '--duration',
        '3',
      ])
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('[binance] connected')
      expect(
        lines(run.stdout, new RegExp(String.raw` BTC\s+${PRICE} .*\(binance\)$`)).length,
      ).toBeGreaterThanOrEqual(1)
      expect(exchange.requests).toContainEqual(
        expect.objectContaining({ method: 'SUBSCRIBE', params: ['btcusdt@ticker'] }),
      )
    } finally {
      await exchange.close()
    }
  })

  it('exits 2 naming the flag when a flag is wrong', async () => {
    const run = await runExample('basic-monitoring.ts', ['--provider', 'kraken'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--provider must be mock, binance or coinbase, got "kraken"')
    const unknown = await runExample('basic-monitoring.ts', ['--symbol', 'BTC'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("Unknown option '--symbol'")
  })
})

describe('websocket-client', () => {
  it('starts its own server and prints the prices it receives over the WebSocket', async () => {
    const run = await runExample('websocket-client.ts', [
      '--duration',
      '3',
      '--interval',
      '200',
      '--symbols',
      'BTC,ETH',
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^started a server at http:\/\/127\.0\.0\.1:\d+/m)
    expect(run.stdout).toMatch(/ room_joined prices$/m)
    expect(run.stdout).toMatch(/ feed mock connected$/m)
    for (const symbol of ['BTC', 'ETH']) {
      expect(
        lines(
          run.stdout,
          new RegExp(String.raw` #\d+ ${symbol}\s+${PRICE}\s+-?\d+\.\d\d% \(mock\)$`),
        ).length,
      ).toBeGreaterThanOrEqual(1)
    }
    expect(run.stdout).toMatch(/^received [1-9]\d* price updates$/m)
  })

  it('connects to a running server given with --url', async () => {
    const service = await startService({ port: 0, interval: 200, symbols: ['LINK'], home })
    try {
      const url = `${service.url.replace('http', 'ws')}/ws`
      const run = await runExample('websocket-client.ts', [
        '--url',
        url,
        '--duration',
        '2',
        '--room',
        'prices:LINK',
      ])
      expect(run.code).toBe(0)
      expect(run.stdout).not.toContain('started a server')
      expect(run.stdout).toMatch(/ room_joined prices:LINK$/m)
      expect(
        lines(run.stdout, new RegExp(String.raw` #\d+ LINK\s+${PRICE} `)).length,
      ).toBeGreaterThanOrEqual(1)
    } finally {
      await service.close()
    }
  })
})

describe('websocket-client.html', () => {
  // The system Chromium, never a download (CI installs Debian's chromium).
  const executablePath = process.env['CRYPTO_ANALYZER_CHROMIUM'] ?? '/usr/bin/chromium'

  it('shows live prices from the server in a browser', async () => {
    expect(existsSync(executablePath), `no browser at ${executablePath}`).toBe(true)
    const service = await startService({ port: 0, interval: 200, symbols: ['BTC', 'ETH'], home })
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
    try {
      const page = await browser.newPage()
      const ws = `${service.url.replace('http', 'ws')}/ws`
      await page.goto(
        `${pathToFileURL(join(root, 'websocket-client.html')).href}?url=${encodeURIComponent(ws)}`,
      )
      // A string, evaluated in the page (this file is not compiled with the DOM types).
      await page.waitForFunction(
        `document.querySelectorAll('#prices tr').length === 2 &&
          document.getElementById('state').textContent === 'connected'`,
        undefined,
        { timeout: 20_000 },
      )
      const btc = await page.locator('#prices tr[data-symbol="BTC"] td').allTextContents()
      expect(btc[0]).toBe('BTC')
      expect(btc[1]).toMatch(new RegExp(`^${PRICE}$`))
      expect(btc[3]).toBe('mock')
      await expect(page.locator('#log').textContent()).resolves.toMatch(/ETH \d+(\.\d+)? \(mock\)/)
    } finally {
      await browser.close()
      await service.close()
    }
  })
})

describe('portfolio-tracking', () => {
  it('values the holdings live and prints the totals', async () => {
    const run = await runExample('portfolio-tracking.ts', [
      '--duration',
      '3',
      '--interval',
      '200',
      '--holdings',
      'BTC=0.5@42000,ETH=4',
    ])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Tracking 0.5 BTC, 4 ETH on mock')
    expect(run.stdout).toMatch(
      /^\d\d:\d\d:\d\d total \d+\.\d\d {2}24h [+-]\d+\.\d\d \([+-]\d+\.\d\d%\) {2}P&L [+-]\d+\.\d\d$/m,
    )
    expect(
      lines(
        run.stdout,
        new RegExp(String.raw`^\s+BTC\s+0\.5 @ ${PRICE}\s+=\s+\d+\.\d\d\s+\d+\.\d%$`),
      ).length,
    ).toBeGreaterThanOrEqual(1)
    expect(run.stdout).toMatch(/^final value \d+\.\d\d \(exact: \d+(\.\d+)?\)$/m)
  })

  it('exits 2 with an example when a holding is malformed', async () => {
    const run = await runExample('portfolio-tracking.ts', ['--holdings', 'BTC:1'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(
      '--holdings entry "BTC:1" is not SYMBOL=AMOUNT[@COST], e.g. BTC=0.5@42000',
    )
  })
})

describe('custom-alerts', () => {
  it('prints prices and fires the demo alerts on mock prices', async () => {
    const run = await runExample('custom-alerts.ts', [
      '--duration',
      '3',
      '--interval',
      '200',
      '--symbols',
      'BTC',
    ])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(
      lines(run.stdout, new RegExp(String.raw`^price BTC ${PRICE} \(mock\)$`)).length,
    ).toBeGreaterThanOrEqual(1)
    expect(run.stdout).toMatch(
      new RegExp(String.raw`^ALERT demo-floor BTC price > 0\.000001 at ${PRICE}: `, 'm'),
    )
    expect(run.stdout).toMatch(/^alert BTC-up: BTC price crosses_above \d/m)
    expect(run.stdout).toMatch(/^evaluated [1-9]\d* updates, fired [1-9]\d* alerts$/m)
  })

  it('evaluates a user alert given with --alert', async () => {
    const run = await runExample('custom-alerts.ts', [
      '--duration',
      '2',
      '--interval',
      '200',
      '--symbols',
      'ETH',
      '--alert',
      'ETH: price < 1000000 and volume_24h > 0',
      '--quiet',
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain('price ETH')
    expect(run.stdout).toMatch(
      new RegExp(
        String.raw`^ALERT [0-9a-f]{8} ETH price < 1000000 and volume_24h > 0 at ${PRICE}: `,
        'm',
      ),
    )
  })

  it('exits 2 showing where a condition is wrong', async () => {
    const run = await runExample('custom-alerts.ts', [
      '--alert',
      'BTC: price = 5',
      '--duration',
      '1',
    ])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('invalid alert condition at position 6')
  })
})
