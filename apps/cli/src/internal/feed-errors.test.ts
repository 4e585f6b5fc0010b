import { FeedError } from '@crypto-analyzer/price-feeds'
import { describe, expect, it } from 'vitest'
import { describeFeedError, GiveUpTracker } from './feed-errors.js'

const rejected = (provider: 'binance' | 'coinbase', symbol: string): FeedError =>
  new FeedError('subscription-rejected', `${provider} rejected ${symbol}`, { provider, symbol })

describe('GiveUpTracker', () => {
  it('gives up only when every symbol is refused by every provider', () => {
    const tracker = new GiveUpTracker(['BTC', 'NOPE'], ['binance', 'coinbase'])
    expect(tracker.record(rejected('binance', 'NOPE'))).toBe(false)
    expect(tracker.record(rejected('coinbase', 'NOPE'))).toBe(false)
    expect(tracker.rejectedSymbols).toEqual(['NOPE'])
    expect(tracker.record(rejected('binance', 'BTC'))).toBe(false)
    expect(tracker.record(rejected('coinbase', 'BTC'))).toBe(true)
    expect(tracker.summary).toBe(
      'binance rejected NOPE; coinbase rejected NOPE; binance rejected BTC; coinbase rejected BTC (check the symbol, or try --quote or --fallback)',
    )
  })

  it('counts a provider whose connection gave up as lost for every symbol', () => {
    const tracker = new GiveUpTracker(['BTC', 'ETH'], ['coinbase'])
    const gaveUp = new FeedError('connection-failed', 'coinbase connection gave up: timeout', {
      provider: 'coinbase',
    })
    expect(tracker.record(gaveUp)).toBe(true)
    expect(describeFeedError(gaveUp)).toBe(
      'coinbase connection gave up: timeout (check --coinbase-url (or CRYPTO_ANALYZER_COINBASE_URL) and the network, or add --fallback)',
    )
  })

  it('ignores errors that do not stop a feed', () => {
    const tracker = new GiveUpTracker(['BTC'], ['binance'])
    const other = new FeedError('exchange-error', 'binance said no', { provider: 'binance' })
    expect(tracker.record(other)).toBe(false)
    expect(tracker.summary).toBeUndefined()
    expect(describeFeedError(other)).toBe('binance said no')
  })
})
