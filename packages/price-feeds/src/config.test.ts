import { CryptoAnalyzerError } from '@crypto-analyzer/core-events'
import { startFakeBinance } from '@crypto-analyzer/fake-exchanges'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  DEFAULT_PROVIDER_URLS,
  FeedError,
  createPriceFeedManager,
  resolveProviderUrl,
} from './index.js'
import { harness } from './test-support/harness.js'
import { waitFor } from '@crypto-analyzer/test-support'

describe('resolveProviderUrl', () => {
  it('prefers the override, else the real exchange', () => {
    expect(resolveProviderUrl('binance', 'wss://example.test/ws')).toBe('wss://example.test/ws')
    expect(resolveProviderUrl('coinbase', ' ws://127.0.0.1:9002 ')).toBe('ws://127.0.0.1:9002')
    expect(resolveProviderUrl('binance')).toBe('wss://stream.binance.com:9443/ws')
    expect(resolveProviderUrl('coinbase', '  ')).toBe('wss://ws-feed.exchange.coinbase.com')
    expect(DEFAULT_PROVIDER_URLS).toEqual({
      binance: 'wss://stream.binance.com:9443/ws',
      coinbase: 'wss://ws-feed.exchange.coinbase.com',
    })
  })

  it('rejects what is not a ws(s) URL, naming where it came from', () => {
    expect(() => resolveProviderUrl('binance', 'http://example.test')).toThrow(
      /the binance URL option must be a ws:\/\/ or wss:\/\/ URL/,
    )
    expect(() => resolveProviderUrl('coinbase', 'not a url')).toThrow(
      /the coinbase URL option is not a URL/,
    )
    expect(() => resolveProviderUrl('mock' as 'binance')).toThrow(
      /no URL for provider "mock": only binance and coinbase connect anywhere/,
    )
    let error: unknown
    try {
      resolveProviderUrl('binance', 'ftp://x')
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(FeedError)
    expect(error).toMatchObject({
      reason: 'invalid-config',
      code: 'INVALID_CONFIG',
      provider: 'binance',
    })
  })
})

describe('createPriceFeedManager options', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it.each([
    [{ staleAfter: 0 }, /staleAfter must be an integer >= 1/],
    [{ staleAfter: 1.5 }, /staleAfter must be an integer >= 1/],
    [{ failbackAfter: -1 }, /failbackAfter must be an integer >= 0/],
    [{ quote: 'us dollar' }, /quote "us dollar" is not a currency code/],
    [{ quote: 'U$D' }, /quote "U\$D" is not a currency code/],
    [{ mock: { interval: 0 } }, /mock.interval must be an integer >= 1/],
  ])('rejects %o at once', (options, message) => {
    expect(() => createPriceFeedManager(options)).toThrow(message)
    expect(() => createPriceFeedManager(options)).toThrow(CryptoAnalyzerError)
  })

  it('checks providers and symbols when they are added', () => {
    const manager = createPriceFeedManager()
    expect(() => {
      manager.addProvider('ftx' as 'mock', ['BTC'])
    }).toThrow(/unknown provider "ftx": use one of binance, coinbase, mock/)
    expect(() => {
      manager.addProvider('binance', ['BTC', 'bit coin'])
    }).toThrow(/invalid symbol "bit coin"/)
    expect(() => {
      manager.addProvider('coinbase', [])
    }).toThrow(FeedError)
    expect(() => {
      manager.addProvider('binance', ['BTC'], { isPrimary: true })
      manager.addProvider('coinbase', ['BTC'], { isPrimary: true })
    }).toThrow(/binance is already the primary provider/)
    const badUrl = createPriceFeedManager({ urls: { binance: 'http://x' } })
    expect(() => {
      badUrl.addProvider('binance', ['BTC'])
    }).toThrow(/the binance URL option must be a ws/)
    // The mock never looks at exchange URLs.
    expect(() => {
      badUrl.addProvider('mock', [])
    }).not.toThrow()
  })

  it('refuses to start without providers and to add one after start', async () => {
    const manager = createPriceFeedManager({ mock: { seed: 1 } })
    await expect(manager.start()).rejects.toThrow(/no provider added/)
    manager.addProvider('mock', ['BTC'])
    await manager.start()
    expect(() => {
      manager.addProvider('mock', ['ETH'])
    }).toThrow(expect.objectContaining({ reason: 'invalid-state' }) as Error)
    await manager.stop()
    await manager.stop()
  })

  it('merges symbols when a provider is added twice, and makes the first provider primary by default', async () => {
    const manager = createPriceFeedManager({ mock: { seed: 1 } })
    manager.addProvider('mock', ['BTC'])
    manager.addProvider('mock', ['eth', 'BTC'])
    expect(manager.getStatus().providers).toMatchObject([
      { provider: 'mock', primary: true, symbols: ['BTC', 'ETH'] },
    ])
    await manager.start()
    expect(manager.getStatus().symbols.map((s) => s.symbol)).toEqual(['BTC', 'ETH'])
    await manager.stop()
  })

  it('reads no environment: the URL, quote and mock interval come from the options only', async () => {
    vi.stubEnv('CRYPTO_ANALYZER_BINANCE_URL', 'http://not-a-websocket')
    vi.stubEnv('CRYPTO_ANALYZER_QUOTE', 'not a quote')
    vi.stubEnv('CRYPTO_ANALYZER_MOCK_INTERVAL_MS', 'fast')
    const server = await startFakeBinance({ tickInterval: 50 })
    const h = harness({ urls: { binance: server.url } })
    h.manager.addProvider('binance', ['BTC'])
    h.manager.addProvider('mock', [])
    await h.manager.start()
    await waitFor(() => h.of('BTC', 'binance').length > 0, 'BTC from the fake')
    expect(server.subscriptions()).toEqual(['btcusdt@ticker'])
    await h.manager.stop()
    await server.close()
  })
})
