import { existsSync, mkdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStateStore } from '@crypto-analyzer/portfolio'
import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, startServerProcess } from './test-support/process.js'
import type { ServerProcess } from './test-support/process.js'

// The whole product in a real browser: the server process on the real mock feed, Debian's Chromium.
const executablePath = process.env['CRYPTO_ANALYZER_CHROMIUM'] ?? '/usr/bin/chromium'
const ci = !['', '0', 'false'].includes(process.env['CI'] ?? '')

let browser: Browser | undefined
let server: ServerProcess | undefined
let home: string | undefined

afterEach(async () => {
  await browser?.close()
  browser = undefined
  if (server?.child.exitCode === null) {
    server.child.kill('SIGKILL')
    await server.exited
  }
  server = undefined
  if (home !== undefined) await rm(home, { recursive: true, force: true })
})

describe('dashboard end to end', () => {
  it('shows live mock prices and the portfolio, and reconnects after a server restart', async (context) => {
    if (!existsSync(executablePath)) {
      const reason = `no Chromium at ${executablePath} (apt-get install chromium, or set CRYPTO_ANALYZER_CHROMIUM)`
      if (ci) throw new Error(`CI is set, so the browser test must run: ${reason}`)
      console.warn(`skipping the end-to-end dashboard test: ${reason}`)
      context.skip(reason)
    }
    home = await mkdtemp(join(tmpdir(), 'ca-e2e-'))
    const store = createStateStore({ home })
    await store.updateHoldings(() => [
      { symbol: 'BTC', amount: '0.5', costBasis: '40000' },
      { symbol: 'ETH', amount: '4' },
    ])
    store.close()
    const port = String(await freePort())
    const env = {
      CRYPTO_ANALYZER_HOME: home,
      CRYPTO_ANALYZER_PORT: port,
      CRYPTO_ANALYZER_MOCK_INTERVAL_MS: '200',
    }
    server = await startServerProcess(env)

    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(server.url)

    const btc = page.locator('tr[data-symbol="BTC"] .price')
    const connection = page.locator('#connection')
    await expect
      .poll(async () => connection.getAttribute('data-state'), { timeout: 15_000 })
      .toBe('live')
    await expect
      .poll(async () => page.locator('#price-rows tr').count(), { timeout: 15_000 })
      .toBe(5)
    const first = await btc.textContent()
    await expect.poll(async () => btc.textContent(), { timeout: 15_000 }).not.toBe(first)
    await expect
      .poll(async () => page.locator('#holding-rows tr').count(), { timeout: 15_000 })
      .toBe(2)
    expect(await page.locator('#total-value').textContent()).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/)

    mkdirSync('test-results', { recursive: true })
    await page.screenshot({ path: 'test-results/dashboard-e2e.png', fullPage: true })

    server.child.kill('SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    await expect
      .poll(async () => connection.getAttribute('data-state'), { timeout: 10_000 })
      .not.toBe('live')

    server = await startServerProcess(env)
    await expect
      .poll(async () => connection.getAttribute('data-state'), { timeout: 30_000 })
      .toBe('live')
    const resumed = await btc.textContent()
    await expect.poll(async () => btc.textContent(), { timeout: 15_000 }).not.toBe(resumed)
    expect(pageErrors).toEqual([])
  }, 90_000)
})
