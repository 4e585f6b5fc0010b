import { existsSync, mkdirSync } from 'node:fs'
import { Decimal, EventType, createEventBus } from '@crypto-analyzer/core-events'
import type { StreamEventBus } from '@crypto-analyzer/core-events'
import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { SYMBOLS, closeHttp, price, startServer } from './test-support/harness.js'
import type { Harness } from './test-support/harness.js'

// Never downloads a browser: uses the system Chromium (or CRYPTO_ANALYZER_CHROMIUM).
const executablePath = process.env['CRYPTO_ANALYZER_CHROMIUM'] ?? '/usr/bin/chromium'
const ci = (process.env['CI'] ?? '') !== '' && !['0', 'false'].includes(process.env['CI'] ?? '')

let browser: Browser | undefined
let harness: Harness | undefined
let feed: NodeJS.Timeout | undefined

afterEach(async () => {
  clearInterval(feed)
  await browser?.close()
  browser = undefined
  if (harness !== undefined) {
    await harness.server.close()
    await closeHttp(harness.http)
    harness = undefined
  }
})

/** A small seeded PRNG (mulberry32), so the feed is the same on every run. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Feeds the bus like a live exchange: 5 symbols × 20 updates/s = 100 updates/s, a random walk. */
function startFeed(bus: StreamEventBus): NodeJS.Timeout {
  const next = random(42)
  const markets = [
    { symbol: 'BTC', open: new Decimal('66420.5'), places: 2, volume: new Decimal('18234.118') },
    { symbol: 'ETH', open: new Decimal('3512.4'), places: 2, volume: new Decimal('241877.52') },
    { symbol: 'ADA', open: new Decimal('0.4612'), places: 4, volume: new Decimal('512340112.5') },
    { symbol: 'DOT', open: new Decimal('7.0412'), places: 4, volume: new Decimal('8123450.25') },
    { symbol: 'LINK', open: new Decimal('14.2218'), places: 4, volume: new Decimal('6023112.8') },
  ].map((market) => ({
    ...market,
    last: market.open.times('1.012').toDecimalPlaces(market.places),
  }))
  bus.publish(
    bus.createEvent(
      EventType.FEED_STATUS,
      { provider: 'mock', state: 'connected', symbols: [...SYMBOLS] },
      { source: 'mock' },
    ),
  )
  bus.publish(
    bus.createEvent(
      EventType.PORTFOLIO_UPDATE,
      {
        totalValue: new Decimal('84512.3456'),
        totalChange24h: new Decimal('1012.5'),
        totalChangePercent24h: new Decimal('1.2126'),
        holdings: [
          {
            symbol: 'BTC',
            amount: new Decimal('0.75'),
            value: new Decimal('50296.5'),
            change24h: new Decimal('602.1'),
          },
          {
            symbol: 'ETH',
            amount: new Decimal('9.75'),
            value: new Decimal('34215.8456'),
            change24h: new Decimal('410.4'),
          },
        ],
      },
      { source: 'portfolio' },
    ),
  )
  bus.publish(
    bus.createEvent(
      EventType.ALERT_TRIGGERED,
      {
        id: 'a1b2c3',
        symbol: 'BTC',
        condition: 'price > 67000',
        message: 'BTC above 67k',
        price: new Decimal('67001.5'),
        triggeredAt: Date.now() - 42_000,
      },
      { source: 'alerts' },
    ),
  )
  return setInterval(() => {
    for (const market of markets) {
      const move = new Decimal(((next() - 0.5) * 0.0016).toFixed(6))
      market.last = market.last.times(move.plus(1)).toDecimalPlaces(market.places)
      const change = market.last.minus(market.open)
      market.volume = market.volume.plus(new Decimal(next().toFixed(3)))
      bus.publishPriceUpdate(
        market.symbol,
        price(market.symbol, market.last.toFixed(market.places), {
          change24h: change,
          changePercent24h: change.div(market.open).times(100).toDecimalPlaces(4),
          volume24h: market.volume,
          timestamp: Date.now(),
          source: 'mock',
        }),
      )
    }
  }, 50)
}

describe('ws-server dashboard in Chromium', () => {
  it('shows changing prices and recovers its connection after the server restarts on the same port', async (context) => {
    if (!existsSync(executablePath)) {
      const reason = `no Chromium at ${executablePath} (install chromium or set CRYPTO_ANALYZER_CHROMIUM)`
      if (ci) throw new Error(`CI is set, so the browser test must run: ${reason}`)
      console.warn(`skipping the dashboard browser test: ${reason}`)
      context.skip(reason)
    }
    const bus = createEventBus({ historySize: 500 })
    bus.start()
    feed = startFeed(bus)
    harness = await startServer({ bus, version: '0.1.0' })
    const port = harness.port

    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(`${harness.url}/`)

    const btc = page.locator('tr[data-symbol="BTC"] .price')
    const state = page.locator('#connection')
    await expect
      .poll(async () => btc.textContent(), { timeout: 15_000 })
      .toMatch(/^6\d,\d{3}\.\d+$/)
    const first = await btc.textContent()
    await expect.poll(async () => btc.textContent(), { timeout: 15_000 }).not.toBe(first)
    await expect.poll(async () => state.getAttribute('data-state')).toBe('live')
    expect(await page.getByRole('status').textContent()).toBe('Live')
    expect(await page.locator('#price-rows tr').count()).toBe(5)
    expect(await page.locator('#feeds .state').first().textContent()).toBe('Connected')
    expect(await page.locator('#total-value').textContent()).toBe('84,512.35')
    expect(await page.locator('#holding-rows tr').count()).toBe(2)
    expect(await page.locator('#alerts .alert-message').first().textContent()).toBe('BTC above 67k')
    expect(await page.locator('#markets-note').textContent()).toBe('5 symbols')
    // The panels fed by other modules: the sparkline geometry, /status in the footer, the title.
    expect(
      await page.locator('tr[data-symbol="BTC"] svg.spark').getAttribute('aria-label'),
    ).toMatch(/^BTC trend over the last \d+ updates: (rising|falling|flat)$/)
    expect(await page.locator('tr[data-symbol="BTC"] path.line').getAttribute('d')).toMatch(
      /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/,
    )
    await expect
      .poll(async () => page.locator('#server-info').textContent())
      .toMatch(/^Server 0\.1\.0 · (ok|degraded) · up \d+ s · 1 client$/)
    await expect.poll(async () => page.title()).toMatch(/^BTC 6\d,\d{3}\.\d+ · crypto-analyzer$/)

    // Keyboard: the column headers are buttons that sort and announce the order.
    await page.getByRole('button', { name: 'Price', exact: true }).focus()
    await page.keyboard.press('Enter')
    expect(await page.locator('th:has(button[data-sort="price"])').getAttribute('aria-sort')).toBe(
      'descending',
    )
    await expect
      .poll(async () => page.locator('#price-rows tr').first().getAttribute('data-symbol'))
      .toBe('BTC')

    mkdirSync('test-results', { recursive: true })
    await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true })

    // Restart: the page sees the close (1001), retries with backoff and resumes on the new server.
    await harness.server.close()
    await closeHttp(harness.http)
    harness = undefined
    await expect
      .poll(async () => state.getAttribute('data-state'), { timeout: 10_000 })
      .not.toBe('live')
    await page.screenshot({ path: 'test-results/dashboard-reconnecting.png' })
    harness = await startServer({ bus, version: '0.1.0' }, port)
    await expect
      .poll(async () => state.getAttribute('data-state'), { timeout: 30_000 })
      .toBe('live')
    const resumed = await btc.textContent()
    await expect.poll(async () => btc.textContent(), { timeout: 15_000 }).not.toBe(resumed)
    expect(pageErrors).toEqual([])
  }, 90_000)
})
