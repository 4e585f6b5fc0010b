import { Decimal } from '@crypto-analyzer/core-events'
import type { PortfolioSnapshot } from '@crypto-analyzer/core-events'
import pc from 'picocolors'
import { describe, expect, it } from 'vitest'
import { PortfolioBoard, snapshotLine } from './portfolio-board.js'

const NOW = Date.parse('2025-07-03T10:00:05.000Z')
const d = (text: string): Decimal => new Decimal(text)

const snapshot: PortfolioSnapshot = {
  totalValue: d('101000.5'),
  totalChange24h: d('2500.125'),
  totalChangePercent24h: d('2.5378'),
  holdings: [
    {
      symbol: 'BTC',
      amount: d('2'),
      price: d('50000.25'),
      value: d('100000.5'),
      change24h: d('2000'),
      allocationPercent: d('99.00990099'),
      unrealizedPnl: d('16000.5'),
      stale: false,
    },
    { symbol: 'ETH', amount: d('1'), value: d('0'), change24h: d('0') },
  ],
}

describe('PortfolioBoard', () => {
  it('lays out each holding, the exact totals rounded for display, and the feeds', () => {
    const board = new PortfolioBoard(pc.createColors(false))
    board.snapshot(snapshot)
    board.status({ provider: 'mock', state: 'connected', symbols: ['BTC', 'ETH'] }, NOW)
    expect(board.render(NOW).split('\n')).toEqual([
      'SYMBOL  AMOUNT         PRICE         VALUE    24H CHANGE   ALLOC        P&L',
      'BTC          2      50000.25     100000.50      +2000.00  99.01%  +16000.50',
      'ETH          1      waiting…                                              -',
      '',
      'Total 101000.50  +2500.13 (+2.54%) 24h',
      '',
      'mock ● connected · 10:00:05 · Ctrl-C to quit',
    ])
  })

  it('waits for prices before the first snapshot', () => {
    const board = new PortfolioBoard(pc.createColors(false))
    expect(board.render(NOW, true)).toBe('waiting for prices…\n\nconnecting… · 10:00:05')
  })

  it('writes one line per snapshot for pipes', () => {
    expect(snapshotLine(snapshot, NOW)).toBe(
      '10:00:05 total 101000.50 +2500.13 (+2.54%) BTC 100000.50 ETH -',
    )
  })
})
