import { describe, expect, it } from 'vitest'
import { createVenueParser } from '../frame-parser.js'
import { BINANCE } from './binance.js'

const errorFor = (id: number | null) => ({
  kind: 'error' as const,
  message: 'Invalid request: invalid stream',
  code: 2,
  id,
})

describe('the Binance venue', () => {
  it('names markets BASEQUOTE and subscribes lowercase @ticker streams', () => {
    expect(BINANCE.market('BTC', 'USDT')).toBe('BTCUSDT')
    expect(BINANCE.baseOf('DOGEBNB', 'BNB')).toBe('DOGE')
    expect(BINANCE.baseOf('BNB', 'BNB')).toBeUndefined()
    expect(BINANCE.baseOf('BTCUSDT', 'BUSD')).toBeUndefined()
    expect(BINANCE.topic('BTCUSDT', 'ticker')).toBe('btcusdt@ticker')
    expect(BINANCE.maxTopics).toBe(1024)
    expect(BINANCE.stream).toEqual({ rateLimit: 3, maxConnectionAge: 82_800_000 })
  })

  it('sends one id-numbered SUBSCRIBE per connection, and nothing for no streams', () => {
    const subscriptions = BINANCE.subscriptions(['btcusdt@ticker', 'ethusdt@ticker'])
    expect(subscriptions.open(['btcusdt@ticker', 'ethusdt@ticker'])).toEqual([
      '{"method":"SUBSCRIBE","params":["btcusdt@ticker","ethusdt@ticker"],"id":1}',
    ])
    expect(subscriptions.open(['btcusdt@ticker'])).toEqual([
      '{"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":2}',
    ])
    expect(subscriptions.open([])).toEqual([])
    expect(subscriptions.unsubscribe(['btcusdt@ticker'])).toBe(
      '{"method":"UNSUBSCRIBE","params":["btcusdt@ticker"],"id":3}',
    )
  })

  it('splits a failed request in halves until a bad stream stands alone, then rejects it', () => {
    const streams = ['a@ticker', 'b@ticker', 'c@ticker', 'd@ticker', 'e@ticker']
    const subscriptions = BINANCE.subscriptions(streams)
    subscriptions.open(streams)
    expect(subscriptions.rejection(errorFor(1))).toEqual({
      kind: 'retry',
      frames: [
        '{"method":"SUBSCRIBE","params":["a@ticker","b@ticker","c@ticker"],"id":2}',
        '{"method":"SUBSCRIBE","params":["d@ticker","e@ticker"],"id":3}',
      ],
    })
    subscriptions.acknowledged({ kind: 'control', control: 'reply', id: 2, result: null })
    expect(subscriptions.rejection(errorFor(3))).toMatchObject({ kind: 'retry' })
    expect(subscriptions.rejection(errorFor(5))).toEqual({
      kind: 'rejected',
      topic: 'e@ticker',
      message: 'Invalid request: invalid stream',
      resubscribe: false,
    })
    // Answered requests and unknown ids name no stream: an exchange error.
    expect(subscriptions.rejection(errorFor(2))).toEqual({
      kind: 'exchange-error',
      message: 'Invalid request: invalid stream',
    })
    expect(subscriptions.rejection(errorFor(null)).kind).toBe('exchange-error')
    expect(subscriptions.rejection(errorFor(5)).kind).toBe('exchange-error')
  })

  it('forgets the last connection’s requests on a new connection', () => {
    const subscriptions = BINANCE.subscriptions(['a@ticker'])
    subscriptions.open(['a@ticker'])
    subscriptions.open(['a@ticker'])
    expect(subscriptions.rejection(errorFor(1)).kind).toBe('exchange-error')
    expect(subscriptions.rejection(errorFor(2))).toMatchObject({
      kind: 'rejected',
      topic: 'a@ticker',
    })
  })

  it('classifies replies, errors and serverShutdown before tickers', () => {
    const parser = createVenueParser(BINANCE, 'USDT', ['BTC'])
    expect(parser.parse('{"result":null,"id":4}', 0)).toEqual({
      kind: 'control',
      control: 'reply',
      id: 4,
      result: null,
    })
    expect(parser.parse('{"error":{"code":2,"msg":"Invalid request"},"id":4}', 0)).toEqual({
      kind: 'error',
      message: 'Invalid request',
      code: 2,
      id: 4,
    })
    expect(parser.parse('{"e":"serverShutdown","E":1}', 0)).toEqual({
      kind: 'control',
      control: 'shutdown',
    })
    const ticker =
      '{"e":"24hrTicker","E":5,"s":"BTCUSDT","p":"1","P":"0.1","c":"100","v":"5","b":"99","a":"101"}'
    expect(parser.parse(ticker, 7)).toMatchObject({
      kind: 'price',
      market: 'BTCUSDT',
      update: { symbol: 'BTC', source: 'binance', timestamp: 5, receivedAt: 7 },
    })
  })
})
