import { Decimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'
import { describe, expect, it } from 'vitest'
import { percentile, TestTally } from './test-report.js'

const update = (
  symbol: string,
  price: string,
  timestamp: number,
  receivedAt: number,
): PriceUpdate => ({
  symbol,
  price: new Decimal(price),
  change24h: new Decimal(0),
  changePercent24h: new Decimal(0),
  volume24h: new Decimal(1),
  timestamp,
  receivedAt,
  source: 'mock',
})

describe('TestTally', () => {
  it('counts updates per symbol, keeps the exact last price and the first-message time', () => {
    const tally = new TestTally(['BTC', 'ETH', 'ADA'], 1000)
    tally.record(update('BTC', '50000.10', 1200, 1230), 1230)
    tally.record(update('BTC', '50001.00000001', 1400, 1401), 1401)
    tally.record(update('ETH', '3000', 1500, 1490), 1500)
    expect(
      tally.report({
        provider: 'mock',
        durationMs: 2500,
        counts: [
          { reconnects: 1, droppedFrames: 2 },
          { reconnects: 0, droppedFrames: 3 },
        ],
      }),
    ).toEqual({
      provider: 'mock',
      duration_seconds: 2.5,
      ok: false,
      messages_received: 3,
      reconnects: 1,
      dropped_frames: 5,
      latency_ms: { p50: 1, p99: 30 },
      symbols: {
        BTC: { messages: 2, last_price: '50001.00000001', first_message_ms: 230 },
        ETH: { messages: 1, last_price: '3000', first_message_ms: 500 },
        ADA: { messages: 0, last_price: null, first_message_ms: null },
      },
    })
    expect(tally.silent).toEqual(['ADA'])
  })
})

describe('percentile', () => {
  it('takes the nearest rank and is null without samples', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile([7], 99)).toBe(7)
    expect(percentile([], 50)).toBeNull()
  })
})
