import { Decimal } from '@crypto-analyzer/core-events'
import type { FeedStatus, PriceUpdate } from '@crypto-analyzer/core-events'
import pc from 'picocolors'
import { describe, expect, it } from 'vitest'
import { PriceBoard } from './price-board.js'

const plain = pc.createColors(false)
const NOW = Date.parse('2025-07-03T10:00:05.000Z')

const update = (symbol: string, price: string, change: string): PriceUpdate => ({
  symbol,
  price: new Decimal(price),
  change24h: new Decimal(change),
  changePercent24h: new Decimal(change).div(price).times(100),
  volume24h: new Decimal('1234567'),
  timestamp: NOW - 3000,
  receivedAt: NOW - 2500,
  source: 'binance',
})

const status = (state: FeedStatus['state'], reason?: string): FeedStatus => ({
  provider: 'binance',
  state,
  symbols: ['BTC', 'ETH'],
  ...(reason === undefined ? {} : { reason }),
})

describe('PriceBoard', () => {
  it('shows each symbol in order with price, change, percent, volume, source and age', () => {
    const board = new PriceBoard(['BTC', 'ETH'], plain)
    board.update(update('BTC', '50000.10', '-1000'))
    board.status(status('connected'), NOW)
    expect(board.render(NOW).split('\n')).toEqual([
      'SYMBOL         PRICE    24H CHANGE     24H %     VOLUME  SOURCE       AGE',
      'BTC          50000.1         -1000    -2.00%      1.23M  binance     2.5s',
      'ETH         waiting…',
      '',
      'binance ● connected · 10:00:05 · Ctrl-C to quit',
    ])
  })

  it('says how long a feed has been reconnecting and why', () => {
    const board = new PriceBoard(['BTC'], plain)
    board.status(status('reconnecting', 'connect ECONNREFUSED 127.0.0.1:9443'), NOW - 12_000)
    board.status(status('reconnecting', 'connect ECONNREFUSED 127.0.0.1:9443'), NOW - 1000)
    expect(board.render(NOW)).toContain(
      'binance ↻ reconnecting for 12s (connect ECONNREFUSED 127.0.0.1:9443) · 10:00:05',
    )
  })

  it('counts down to the next reconnect attempt the feed announced', () => {
    const board = new PriceBoard(['BTC'], plain)
    board.status({ ...status('reconnecting', 'closed'), retryInMs: 8000 }, NOW - 3000)
    expect(board.render(NOW)).toContain('binance ↻ reconnecting for 3.0s, retry in 5s (closed)')
    expect(board.render(NOW + 3500)).toContain('retry in 2s')
    expect(board.render(NOW + 9000)).toContain('reconnecting for 12s, retrying now (closed)')
  })

  it('shows stale and failed-over feeds and the latest notice', () => {
    const board = new PriceBoard(['BTC'], plain)
    board.status(status('stale'), NOW - 31_000)
    board.status({ provider: 'coinbase', state: 'failed_over', symbols: ['BTC'] }, NOW)
    board.notice('binance does not list XYZ')
    const lines = board.render(NOW).split('\n')
    expect(lines.at(-2)).toBe(
      'binance ◌ stale for 31s · coinbase ⇄ failed over · 10:00:05 · Ctrl-C to quit',
    )
    expect(lines.at(-1)).toBe('binance does not list XYZ')
  })

  it('drops the Ctrl-C hint from the final frame', () => {
    const board = new PriceBoard(['BTC'], plain)
    expect(board.render(NOW, true).split('\n').at(-1)).toBe('connecting… · 10:00:05')
  })

  it('colors a rise green and a fall red', () => {
    const board = new PriceBoard(['BTC', 'ETH'], pc.createColors(true))
    board.update(update('BTC', '50000', '10'))
    board.update(update('ETH', '3000', '-5'))
    const text = board.render(NOW)
    expect(text).toContain('\u001b[32m+10\u001b[39m')
    expect(text).toContain('\u001b[31m-5\u001b[39m')
  })
})
