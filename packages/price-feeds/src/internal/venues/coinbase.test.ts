import { describe, expect, it } from 'vitest'
import { createVenueParser } from '../frame-parser.js'
import { COINBASE } from './coinbase.js'

const failed = (reason?: string) => ({
  kind: 'error' as const,
  message: 'Failed to subscribe',
  ...(reason === undefined ? {} : { reason }),
})

describe('the Coinbase venue', () => {
  it('names markets BASE-QUOTE, which are also the topics', () => {
    expect(COINBASE.market('BTC', 'USD')).toBe('BTC-USD')
    expect(COINBASE.baseOf('ETH-EUR', 'EUR')).toBe('ETH')
    expect(COINBASE.baseOf('ETHEUR', 'EUR')).toBeUndefined()
    expect(COINBASE.topic('BTC-USD', 'ticker')).toBe('BTC-USD')
    expect(COINBASE.maxTopics).toBeUndefined()
    expect(COINBASE.stream).toEqual({})
  })

  it('subscribes every product to ticker and heartbeat (the keep-alive) in one message', () => {
    const subscriptions = COINBASE.subscriptions(['BTC-USD', 'ETH-USD'])
    expect(subscriptions.open(['BTC-USD', 'ETH-USD'])).toEqual([
      '{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channels":["ticker","heartbeat"]}',
    ])
    expect(subscriptions.open([])).toEqual([])
    expect(subscriptions.unsubscribe(['ETH-USD'])).toBe(
      '{"type":"unsubscribe","product_ids":["ETH-USD"],"channels":["ticker","heartbeat"]}',
    )
  })

  it('rejects the product an error names and asks again for the rest', () => {
    const subscriptions = COINBASE.subscriptions(['BTC-USD', 'ETH-USD'])
    expect(subscriptions.rejection(failed('ETH-USD is not a valid product'))).toEqual({
      kind: 'rejected',
      topic: 'ETH-USD',
      message: 'Failed to subscribe: ETH-USD is not a valid product',
      resubscribe: true,
    })
  })

  it('names no product that only appears inside a longer one, nor one of another provider', () => {
    const subscriptions = COINBASE.subscriptions(['BTC-USD'])
    expect(subscriptions.rejection(failed('BTC-USDT is not a valid product'))).toEqual({
      kind: 'exchange-error',
      message: 'Failed to subscribe: BTC-USDT is not a valid product',
    })
    expect(subscriptions.rejection(failed())).toEqual({
      kind: 'exchange-error',
      message: 'Failed to subscribe',
    })
  })

  it('classifies subscriptions, heartbeats and errors before tickers', () => {
    const parser = createVenueParser(COINBASE, 'USD', ['BTC'])
    expect(
      parser.parse(
        '{"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD"]}]}',
        0,
      ),
    ).toEqual({ kind: 'control', control: 'subscriptions', products: ['BTC-USD'] })
    expect(parser.parse('{"type":"heartbeat","product_id":"BTC-USD"}', 0)).toEqual({
      kind: 'control',
      control: 'heartbeat',
      products: ['BTC-USD'],
    })
    expect(parser.parse('{"type":"error","message":"Malformed JSON"}', 0)).toEqual({
      kind: 'error',
      message: 'Malformed JSON',
    })
    const ticker =
      '{"type":"ticker","sequence":9,"product_id":"BTC-USD","price":"101","open_24h":"100","volume_24h":"5","time":"2024-01-01T00:00:00.000001Z"}'
    expect(parser.parse(ticker, 0)).toMatchObject({
      kind: 'price',
      market: 'BTC-USD',
      sequence: 9,
      update: { symbol: 'BTC', source: 'coinbase', timestamp: Date.UTC(2024, 0, 1) },
    })
  })
})
