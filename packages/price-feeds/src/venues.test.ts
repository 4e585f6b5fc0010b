import { describe, expect, it } from 'vitest'
import {
  DEFAULT_PROVIDER_URLS,
  DEFAULT_QUOTES,
  FeedError,
  VENUES,
  createFrameParser,
  createPriceFeedManager,
  resolveProviderUrl,
} from './index.js'

describe('VENUES', () => {
  it('lists every provider once, exchanges with their URL setting, the mock without one', () => {
    expect(VENUES).toEqual([
      {
        name: 'binance',
        description: 'Binance Spot',
        defaultQuote: 'USDT',
        defaultUrl: 'wss://stream.binance.com:9443/ws',
        urlVariable: 'CRYPTO_ANALYZER_BINANCE_URL',
        urlFlag: 'binance-url',
      },
      {
        name: 'coinbase',
        description: 'Coinbase Exchange',
        defaultQuote: 'USD',
        defaultUrl: 'wss://ws-feed.exchange.coinbase.com',
        urlVariable: 'CRYPTO_ANALYZER_COINBASE_URL',
        urlFlag: 'coinbase-url',
      },
      {
        name: 'mock',
        description: 'offline random walk (no network)',
        defaultQuote: 'USD',
        defaultUrl: undefined,
        urlVariable: undefined,
        urlFlag: undefined,
      },
    ])
    expect(Object.isFrozen(VENUES)).toBe(true)
    expect(VENUES.every((venue) => Object.isFrozen(venue))).toBe(true)
  })

  it('is the table the defaults, the URLs and the frame parsers are read from', () => {
    expect(DEFAULT_QUOTES).toEqual(
      Object.fromEntries(VENUES.map((venue) => [venue.name, venue.defaultQuote])),
    )
    for (const venue of VENUES) {
      if (venue.defaultUrl === undefined) continue
      expect(DEFAULT_PROVIDER_URLS[venue.name as 'binance']).toBe(venue.defaultUrl)
      expect(resolveProviderUrl(venue.name as 'binance')).toBe(venue.defaultUrl)
      const parser = createFrameParser(venue.name as 'binance')
      expect(parser.parse('not json', 0)).toMatchObject({ kind: 'dropped', reason: 'invalid-json' })
    }
    expect(Object.keys(DEFAULT_PROVIDER_URLS)).toEqual(
      VENUES.filter((venue) => venue.defaultUrl !== undefined).map((venue) => venue.name),
    )
    expect(() => createFrameParser('mock' as 'binance')).toThrow(
      /no frame parser for "mock": use 'binance' or 'coinbase'/,
    )
  })

  it('names the providers an unknown one could have been', () => {
    const names = VENUES.map((venue) => venue.name).join(', ')
    expect(() => {
      createPriceFeedManager().addProvider('bitstamp' as 'mock', ['BTC'])
    }).toThrow(`unknown provider "bitstamp": use one of ${names}`)
  })

  it('refuses a contract provider without a venue at once, naming the ones available', () => {
    const manager = createPriceFeedManager()
    const addKraken = () => {
      manager.addProvider('kraken', ['BTC'])
    }
    expect(addKraken).toThrow(FeedError)
    expect(addKraken).toThrow(
      expect.objectContaining({
        reason: 'invalid-config',
        code: 'INVALID_CONFIG',
        provider: 'kraken',
        message:
          'provider "kraken" is not available in this version of price-feeds: use one of binance, coinbase, mock',
      }),
    )
    expect(manager.getStatus().providers).toEqual([])
  })

  it('has no parser, URL or default quote for a contract exchange without a venue', () => {
    expect(DEFAULT_QUOTES).not.toHaveProperty('kraken')
    expect(DEFAULT_PROVIDER_URLS).not.toHaveProperty('kraken')
    expect(() => createFrameParser('kraken')).toThrow(
      /no frame parser for "kraken": use 'binance' or 'coinbase'/,
    )
    expect(() => resolveProviderUrl('kraken')).toThrow(
      /no URL for provider "kraken": only binance and coinbase connect anywhere/,
    )
  })
})
