import { describe, expect, it } from 'vitest'
import { SPARK_POINTS } from './sparkline.js'
import { createDashboardState, isSortKey } from './state.js'
import type { ServerMessage } from './wire.js'

function price(
  symbol: string,
  value: string,
  seq?: number,
  extra: Record<string, string> = {},
): ServerMessage {
  return {
    type: 'price_update',
    ...(seq === undefined ? {} : { seq }),
    data: {
      symbol,
      price: value,
      change_24h: '10',
      change_percent_24h: '1.5',
      volume_24h: '100',
      timestamp: '2025-07-03T10:00:00.000Z',
      source: 'binance',
      ...extra,
    },
  }
}

function alert(id: string, triggeredAt: string, seq?: number): ServerMessage {
  return {
    type: 'alert_triggered',
    ...(seq === undefined ? {} : { seq }),
    data: {
      id,
      symbol: 'BTC',
      condition: 'price > 1',
      message: 'up',
      price: '2',
      triggered_at: triggeredAt,
    },
  }
}

describe('dashboard state: prices', () => {
  it('adds a row on the first price of a symbol and updates it after', () => {
    const state = createDashboardState()
    const first = state.apply(price('BTC', '50000.1'), 1000)
    expect(first).toMatchObject({ kind: 'price', added: true })
    const second = state.apply(price('BTC', '50000.25', undefined, { source: 'kraken' }), 2000)
    expect(second).toMatchObject({ kind: 'price', added: false })
    const row = state.prices.get('BTC')
    expect(row).toMatchObject({
      symbol: 'BTC',
      price: '50000.25',
      change: '10',
      percent: '1.5',
      volume: '100',
      source: 'kraken',
      exchangeTime: '2025-07-03T10:00:00.000Z',
      receivedAt: 2000,
      points: [50000.1, 50000.25],
    })
  })

  it('records whether each price moved up, down or not at all', () => {
    const state = createDashboardState()
    const directions = ['100', '101', '101', '99.5', '99.50'].map((value) => {
      state.apply(price('ETH', value), 0)
      return state.prices.get('ETH')?.direction
    })
    expect(directions).toEqual([0, 1, 0, -1, 0])
  })

  it('remembers the most decimals a symbol has had, for padding', () => {
    const state = createDashboardState()
    for (const value of ['7.0412', '7.1', '7']) state.apply(price('DOT', value), 0)
    expect(state.prices.get('DOT')?.decimals).toBe(4)
  })

  it('keeps the last SPARK_POINTS prices for the sparkline', () => {
    const state = createDashboardState()
    for (let index = 1; index <= SPARK_POINTS + 5; index++)
      state.apply(price('ADA', String(index)), 0)
    const points = state.prices.get('ADA')?.points ?? []
    expect(points).toHaveLength(SPARK_POINTS)
    expect(points[0]).toBe(6)
    expect(points.at(-1)).toBe(SPARK_POINTS + 5)
  })
})

describe('dashboard state: other rooms', () => {
  it('keeps the latest portfolio', () => {
    const state = createDashboardState()
    expect(state.portfolio).toBeUndefined()
    const change = state.apply(
      {
        type: 'portfolio_update',
        seq: 3,
        data: {
          total_value: '10',
          total_change_24h: '1',
          total_change_percent_24h: '10',
          holdings: [],
        },
      },
      0,
    )
    expect(change?.kind).toBe('portfolio')
    expect(state.portfolio?.totalValue).toBe('10')
  })

  it('keeps the latest feed_status of each provider', () => {
    const state = createDashboardState()
    const status = (provider: string, value: string): ServerMessage => ({
      type: 'feed_status',
      data: { provider, state: value, symbols: ['BTC'] },
    })
    state.apply(status('binance', 'connected'), 0)
    state.apply(status('kraken', 'connecting'), 0)
    const change = state.apply(status('binance', 'stale'), 0)
    expect(change).toEqual({
      kind: 'feed',
      status: { provider: 'binance', state: 'stale', symbols: ['BTC'] },
    })
    expect([...state.feeds.keys()]).toEqual(['binance', 'kraken'])
    expect(state.feeds.get('binance')?.state).toBe('stale')
  })

  it('replaces the feed details with each /status', () => {
    const state = createDashboardState()
    const detail = (provider: string) => ({
      provider,
      state: 'connected',
      symbols: [],
      messagesReceived: 1,
      reconnects: 0,
    })
    const server = { version: '1', status: 'ok', uptimeSeconds: 1, clients: 1 }
    state.applyStatus({ ...server, feeds: [detail('binance'), detail('kraken')] })
    state.applyStatus({ ...server, feeds: [detail('coinbase')] })
    expect([...state.feedDetails.keys()]).toEqual(['coinbase'])
  })

  it('shows an alert once however often a resume replays it', () => {
    const state = createDashboardState()
    expect(state.apply(alert('a1', '2025-07-03T10:00:00.000Z', 1), 0)?.kind).toBe('alert')
    expect(state.apply(alert('a1', '2025-07-03T10:00:00.000Z', 1), 0)).toBeUndefined()
    // The same alert firing again later is news.
    expect(state.apply(alert('a1', '2025-07-03T11:00:00.000Z', 2), 0)?.kind).toBe('alert')
    expect(state.alertCount).toBe(2)
  })

  it('passes server errors on and ignores other messages', () => {
    const state = createDashboardState()
    const data = { code: 'rate_limited', message: 'slow down' }
    expect(state.apply({ type: 'error', data }, 0)).toEqual({ kind: 'server-error', data })
    expect(state.apply({ type: 'room_joined' }, 0)).toBeUndefined()
    expect(state.apply({ type: 'pong' }, 0)).toBeUndefined()
  })
})

describe('dashboard state: resume', () => {
  it('joins prices from seq 0 and the other rooms for their latest state on the first load', () => {
    expect(createDashboardState().joins()).toEqual([
      { type: 'join_room', room: 'prices', since: 0 },
      { type: 'join_room', room: 'portfolio' },
      { type: 'join_room', room: 'alerts' },
      { type: 'join_room', room: 'status' },
    ])
  })

  it('rejoins each room from the last seq it saw', () => {
    const state = createDashboardState()
    state.apply(price('BTC', '1', 41), 0)
    state.apply(price('ETH', '1', 42), 0)
    state.apply({ type: 'portfolio_update', seq: 7, data: {} }, 0)
    state.apply(alert('a1', 'x', 3), 0)
    // A replayed duplicate still moves the room's position forward.
    state.apply(alert('a1', 'x', 4), 0)
    state.apply({ type: 'feed_status', seq: 9, data: { provider: 'mock', state: 'connected' } }, 0)
    expect(state.joins()).toEqual([
      { type: 'join_room', room: 'prices', since: 42 },
      { type: 'join_room', room: 'portfolio', since: 7 },
      { type: 'join_room', room: 'alerts', since: 4 },
      { type: 'join_room', room: 'status', since: 9 },
    ])
  })

  it('ignores seq on messages of no room, and messages without seq', () => {
    const state = createDashboardState()
    state.apply(price('BTC', '1', 5), 0)
    state.apply(price('BTC', '2'), 0)
    state.apply({ type: 'room_joined', seq: 99 }, 0)
    expect(state.lastSeq).toEqual({ prices: 5 })
  })
})

describe('dashboard state: sorting', () => {
  it('flips the order on the same column; a new column starts descending, symbol ascending', () => {
    const state = createDashboardState()
    expect(state.sort).toEqual({ key: 'symbol', descending: false })
    expect(state.sortBy('price')).toEqual({ key: 'price', descending: true })
    expect(state.sortBy('price')).toEqual({ key: 'price', descending: false })
    expect(state.sortBy('symbol')).toEqual({ key: 'symbol', descending: false })
    expect(state.sortBy('symbol')).toEqual({ key: 'symbol', descending: true })
    expect(state.sort).toEqual({ key: 'symbol', descending: true })
  })

  it('orders rows by the sorted column, volume in quote currency', () => {
    const state = createDashboardState()
    state.apply(price('BTC', '60000', undefined, { volume_24h: '10', change_24h: '-5' }), 0)
    state.apply(price('ADA', '0.5', undefined, { volume_24h: '1000000', change_24h: '0.01' }), 0)
    state.apply(price('ETH', '3000', undefined, { volume_24h: '100', change_24h: '20' }), 0)
    const symbols = (): string[] => state.orderedRows().map((row) => row.symbol)
    expect(symbols()).toEqual(['ADA', 'BTC', 'ETH'])
    state.sortBy('price')
    expect(symbols()).toEqual(['BTC', 'ETH', 'ADA'])
    state.sortBy('change')
    expect(symbols()).toEqual(['ETH', 'ADA', 'BTC'])
    // 600,000 vs 500,000 vs 300,000 in quote currency, though ADA has the most coins.
    state.sortBy('volume')
    expect(symbols()).toEqual(['BTC', 'ADA', 'ETH'])
    state.sortBy('volume')
    expect(symbols()).toEqual(['ETH', 'ADA', 'BTC'])
  })

  it('knows its sort keys', () => {
    expect(isSortKey('percent')).toBe(true)
    expect(isSortKey('source')).toBe(false)
    expect(isSortKey(undefined)).toBe(false)
  })
})
