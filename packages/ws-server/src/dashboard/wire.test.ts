import { describe, expect, it } from 'vitest'
import {
  decodeAlert,
  decodeFeedStatus,
  decodePortfolio,
  decodePriceUpdate,
  decodeStatus,
  parseServerMessage,
  readsNumberSource,
} from './wire.js'

const PRICE =
  '{"type":"price_update","data":{"symbol":"BTC","price":50000.10,"change_24h":-1000.5,"change_percent_24h":2.5,"volume_24h":0.0001436,"timestamp":"2025-07-03T10:00:00.000Z","source":"binance"},"seq":42,"timestamp":"2025-07-03T10:00:00.012Z"}'

describe('parseServerMessage', () => {
  it('keeps seq a number and turns every other number into text', () => {
    const message = parseServerMessage(PRICE)
    expect(message?.type).toBe('price_update')
    expect(message?.seq).toBe(42)
    const update = decodePriceUpdate(message?.data)
    // Where the runtime gives the source text (Chromium 114+), the trailing zero survives.
    expect(update.price).toBe(readsNumberSource ? '50000.10' : '50000.1')
    expect(update).toMatchObject({
      symbol: 'BTC',
      change: '-1000.5',
      percent: '2.5',
      volume: '0.0001436',
      source: 'binance',
      exchangeTime: '2025-07-03T10:00:00.000Z',
    })
  })

  it('leaves out seq and data when the message has none', () => {
    expect(parseServerMessage('{"type":"pong","timestamp":"x"}')).toEqual({ type: 'pong' })
  })

  it('gives nothing for text that is not a JSON object', () => {
    expect(parseServerMessage('{"type":')).toBeUndefined()
    expect(parseServerMessage('[1,2]')).toBeUndefined()
    expect(parseServerMessage('null')).toBeUndefined()
    expect(parseServerMessage('7')).toBeUndefined()
  })
})

describe('decodePortfolio', () => {
  it('reads totals, holdings, and the missing and stale lists', () => {
    const message = parseServerMessage(
      '{"type":"portfolio_update","data":{"total_value":100000.00,"total_change_24h":2500,"total_change_percent_24h":2.56,"holdings":[{"symbol":"BTC","amount":2.0,"value":100000.00,"change_24h":2000,"stale":true},{"symbol":"DOT","amount":5,"value":0,"change_24h":0}],"missing":["DOT"],"stale":["BTC"]},"seq":7}',
    )
    const portfolio = decodePortfolio(message?.data)
    expect(portfolio.totalChange).toBe('2500')
    expect(portfolio.totalChangePercent).toBe('2.56')
    expect(portfolio.holdings).toHaveLength(2)
    expect(portfolio.holdings[0]).toMatchObject({ symbol: 'BTC', change: '2000', stale: true })
    expect(portfolio.holdings[1]).toEqual({
      symbol: 'DOT',
      amount: '5',
      value: '0',
      change: '0',
      stale: false,
    })
    expect(portfolio.missing).toEqual(['DOT'])
    expect(portfolio.stale).toEqual(['BTC'])
  })

  it('reads a portfolio without holdings or lists as empty', () => {
    const portfolio = decodePortfolio({ total_value: '0' })
    expect(portfolio.holdings).toEqual([])
    expect(portfolio.missing).toEqual([])
    expect(portfolio.stale).toEqual([])
  })
})

describe('decodeAlert', () => {
  it('reads an alert and falls back to its condition without a message', () => {
    const data = {
      id: 'a1',
      symbol: 'BTC',
      condition: 'price > 50000',
      price: '50001.5',
      triggered_at: '2025-07-03T10:00:00.000Z',
    }
    expect(decodeAlert({ ...data, message: 'BTC above 50k' })).toEqual({
      id: 'a1',
      symbol: 'BTC',
      condition: 'price > 50000',
      message: 'BTC above 50k',
      price: '50001.5',
      triggeredAt: '2025-07-03T10:00:00.000Z',
    })
    expect(decodeAlert({ ...data, message: '' }).message).toBe('price > 50000')
    expect(decodeAlert(data).message).toBe('price > 50000')
  })
})

describe('decodeFeedStatus', () => {
  it('keeps a reason only when there is one', () => {
    expect(decodeFeedStatus({ provider: 'binance', state: 'connected', symbols: ['BTC'] })).toEqual(
      { provider: 'binance', state: 'connected', symbols: ['BTC'] },
    )
    expect(
      decodeFeedStatus({ provider: 'kraken', state: 'failed_over', reason: 'rejected' }),
    ).toEqual({ provider: 'kraken', state: 'failed_over', symbols: [], reason: 'rejected' })
  })
})

describe('decodeStatus', () => {
  it('reads the server and its feeds, leaving out latency and last message when unknown', () => {
    const status = decodeStatus({
      status: 'degraded',
      version: '1.2.3',
      uptime_seconds: 12.3,
      clients: 3,
      feeds: [
        {
          provider: 'binance',
          state: 'connected',
          symbols: ['BTC'],
          messages_received: 120,
          latency_ms: 35.2,
          reconnects: 1,
          last_message_at: '2025-07-03T10:00:00.000Z',
        },
        { provider: 'mock', messages_received: 0, latency_ms: null, reconnects: 0 },
      ],
    })
    expect(status).toMatchObject({
      version: '1.2.3',
      status: 'degraded',
      uptimeSeconds: 12.3,
      clients: 3,
    })
    expect(status.feeds[0]).toEqual({
      provider: 'binance',
      state: 'connected',
      symbols: ['BTC'],
      latencyMs: 35.2,
      messagesReceived: 120,
      reconnects: 1,
      lastMessageAt: '2025-07-03T10:00:00.000Z',
    })
    expect(status.feeds[1]).toEqual({
      provider: 'mock',
      state: 'connecting',
      symbols: [],
      messagesReceived: 0,
      reconnects: 0,
    })
  })

  it('reads a body without feeds as none', () => {
    expect(decodeStatus({ version: '1' }).feeds).toEqual([])
  })
})
