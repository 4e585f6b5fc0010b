// What each panel shows, from its pure describe function (the painting itself is covered in
// Chromium by dashboard.browser.test.ts).
import { describe, expect, it } from 'vitest'
import { describeAlert } from './alerts-panel.js'
import { describeConnection } from './connection-panel.js'
import { describeFeeds } from './feeds-panel.js'
import { describePortfolio } from './portfolio-panel.js'
import { pageTitle } from './prices-panel.js'
import { describeServer } from './server-panel.js'
import { createDashboardState } from './state.js'
import type { FeedDetail, FeedStatus, PortfolioSnapshot } from './wire.js'

const NOW = 1_700_000_000_000

describe('prices panel: page title', () => {
  it('shows BTC when there is one, else the first symbol, else the name', () => {
    const state = createDashboardState()
    expect(pageTitle(state)).toBe('crypto-analyzer · live markets')
    state.apply({ type: 'price_update', data: { symbol: 'ETH', price: '3512.4' } }, NOW)
    expect(pageTitle(state)).toBe('ETH 3,512.4 · crypto-analyzer')
    state.apply({ type: 'price_update', data: { symbol: 'BTC', price: '66420.5' } }, NOW)
    expect(pageTitle(state)).toBe('BTC 66,420.5 · crypto-analyzer')
  })
})

describe('portfolio panel', () => {
  const portfolio: PortfolioSnapshot = {
    totalValue: '84512.3456',
    totalChange: '1012.5',
    totalChangePercent: '1.2126',
    holdings: [
      { symbol: 'BTC', amount: '0.75', value: '50296.5', change: '602.1', stale: false },
      { symbol: 'ETH', amount: '1234.75', value: '34215.8456', change: '-410.4', stale: true },
    ],
    missing: [],
    stale: [],
  }

  it('is empty without a portfolio or without holdings', () => {
    expect(describePortfolio(undefined)).toEqual({ empty: true })
    expect(describePortfolio({ ...portfolio, holdings: [] })).toEqual({ empty: true })
  })

  it('shows the total, its signed change and each holding’s share', () => {
    expect(describePortfolio(portfolio)).toEqual({
      empty: false,
      total: '84,512.35',
      change: '▲ +1,012.50 (+1.21%) 24h',
      tone: 'up',
      note: '2 holdings',
      holdings: [
        {
          symbol: 'BTC',
          stale: false,
          amount: '0.75',
          value: '50,296.50',
          change: '+602.10',
          tone: 'up',
          share: '59.5%',
        },
        {
          symbol: 'ETH',
          stale: true,
          amount: '1,234.75',
          value: '34,215.85',
          change: '-410.40',
          tone: 'down',
          share: '40.5%',
        },
      ],
    })
  })

  it('names missing and stale prices, and keeps shares within 0–100 %', () => {
    const view = describePortfolio({
      ...portfolio,
      totalValue: '100',
      totalChange: '-12.3',
      totalChangePercent: '-0.5',
      holdings: [{ symbol: 'BTC', amount: '1', value: '150', change: '0', stale: false }],
      missing: ['DOT', 'ADA'],
      stale: ['ETH'],
    })
    expect(view).toMatchObject({
      change: '▼ -12.30 (-0.50%) 24h',
      tone: 'down',
      note: 'no price: DOT, ADA · stale: ETH',
    })
    expect(view.empty ? [] : view.holdings.map((holding) => holding.share)).toEqual(['100.0%'])
    const zero = describePortfolio({ ...portfolio, totalValue: '0' })
    expect(zero.empty ? [] : zero.holdings.map((holding) => holding.share)).toEqual([
      '0.0%',
      '0.0%',
    ])
  })
})

describe('feeds panel', () => {
  const detail: FeedDetail = {
    provider: 'binance',
    state: 'connected',
    symbols: ['BTC', 'ETH'],
    latencyMs: 35.2,
    messagesReceived: 18_234,
    reconnects: 2,
    lastMessageAt: new Date(NOW - 5000).toISOString(),
  }

  it('says nothing without feeds', () => {
    expect(describeFeeds(new Map(), new Map(), NOW)).toEqual({ feeds: [], note: '' })
  })

  it('joins live states with /status details, sorted by name, live state first', () => {
    const live = new Map<string, FeedStatus>([
      ['kraken', { provider: 'kraken', state: 'failed_over', symbols: [], reason: 'rejected' }],
      ['binance', { provider: 'binance', state: 'reconnecting', symbols: ['BTC'] }],
    ])
    const details = new Map<string, FeedDetail>([
      ['binance', detail],
      ['coinbase', { ...detail, provider: 'coinbase', reconnects: 0, symbols: ['SOL'] }],
    ])
    expect(describeFeeds(live, details, NOW)).toEqual({
      feeds: [
        {
          name: 'binance',
          state: 'reconnecting',
          label: 'Reconnecting',
          detail: 'BTC · 35 ms · 18.23K msgs · 2 reconnects · last 5s ago',
        },
        {
          name: 'coinbase',
          state: 'connected',
          label: 'Connected',
          detail: 'SOL · 35 ms · 18.23K msgs · last 5s ago',
        },
        { name: 'kraken', state: 'failed_over', label: 'Failed over', detail: 'rejected' },
      ],
      note: '1/3 connected',
    })
  })

  it('shows a feed with only a live status, shortening long symbol lists', () => {
    const symbols = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK', 'SOL', 'XRP']
    const live = new Map<string, FeedStatus>([
      ['mock', { provider: 'mock', state: 'connected', symbols }],
      ['odd', { provider: 'odd', state: 'paused', symbols: [], reason: '' }],
    ])
    expect(describeFeeds(live, new Map(), NOW)).toEqual({
      feeds: [
        {
          name: 'mock',
          state: 'connected',
          label: 'Connected',
          detail: 'BTC, ETH, ADA, DOT, LINK, SOL +1',
        },
        { name: 'odd', state: 'paused', label: 'paused', detail: '' },
      ],
      note: '1/2 connected',
    })
  })

  it('leaves out latency and last message when /status does not know them', () => {
    const bare: FeedDetail = {
      provider: 'mock',
      state: 'connecting',
      symbols: [],
      messagesReceived: 0,
      reconnects: 0,
    }
    expect(describeFeeds(new Map(), new Map([['mock', bare]]), NOW).feeds).toEqual([
      { name: 'mock', state: 'connecting', label: 'Connecting', detail: '0 msgs' },
    ])
  })
})

describe('alerts panel', () => {
  it('shows the message, the local time and the condition with the exact price', () => {
    const view = describeAlert({
      id: 'a1b2c3',
      symbol: 'BTC',
      condition: 'price > 67000',
      message: 'BTC above 67k',
      price: '67001.5',
      triggeredAt: '2025-07-03T10:00:00.000Z',
    })
    expect(view).toMatchObject({
      symbol: 'BTC',
      message: 'BTC above 67k',
      detail: 'price > 67000 · at 67,001.5',
    })
    expect(view.time?.iso).toBe('2025-07-03T10:00:00.000Z')
  })

  it('shows no time when the server’s time is not a time', () => {
    const view = describeAlert({
      id: 'x',
      symbol: 'ETH',
      condition: 'c',
      message: 'm',
      price: '1',
      triggeredAt: 'undefined',
    })
    expect(view.time).toBeUndefined()
  })
})

describe('connection panel', () => {
  it('names each state, with "Retry now" only while waiting or refused', () => {
    const view = (state: Parameters<typeof describeConnection>[0], hasToken = false) =>
      describeConnection(state, NOW, hasToken)
    expect(view({ kind: 'connecting', attempt: 0 })).toEqual({
      state: 'connecting',
      text: 'Connecting…',
      retry: false,
    })
    expect(view({ kind: 'connecting', attempt: 2 }).text).toBe('Reconnecting… (attempt 3)')
    expect(view({ kind: 'live' })).toEqual({ state: 'live', text: 'Live', retry: false })
    expect(view({ kind: 'reconnecting', retryAt: NOW + 2500 })).toEqual({
      state: 'reconnecting',
      text: 'Reconnecting in 3s',
      retry: true,
    })
    expect(view({ kind: 'reconnecting', retryAt: NOW - 10 }).text).toBe('Reconnecting…')
    expect(view({ kind: 'offline' })).toEqual({
      state: 'offline',
      text: 'Offline · waiting for the network',
      retry: false,
    })
    expect(view({ kind: 'unauthorized' })).toEqual({
      state: 'unauthorized',
      text: 'Token required: open this page with ?token=…',
      retry: true,
    })
    expect(view({ kind: 'unauthorized' }, true).text).toBe('Token rejected')
  })
})

describe('server panel', () => {
  it('sums up the server, or says why it cannot', () => {
    const status = { version: '0.1.0', status: 'ok', uptimeSeconds: 1.2, clients: 1, feeds: [] }
    expect(describeServer({ kind: 'ok', status })).toBe('Server 0.1.0 · ok · up 1 s · 1 client')
    expect(
      describeServer({
        kind: 'ok',
        status: { ...status, status: 'degraded', uptimeSeconds: 7200, clients: 3 },
      }),
    ).toBe('Server 0.1.0 · degraded · up 2.0 h · 3 clients')
    expect(describeServer({ kind: 'refused', code: 401 })).toBe(
      'Server status needs the token (?token=…).',
    )
    expect(describeServer({ kind: 'refused', code: 503 })).toBe('Server status unavailable (503).')
    expect(describeServer({ kind: 'unreachable' })).toBe('Server unreachable.')
  })
})
