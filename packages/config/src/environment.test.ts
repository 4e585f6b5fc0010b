import { join } from 'node:path'
import { isCryptoAnalyzerError } from '@crypto-analyzer/core-events'
import { describe, expect, it } from 'vitest'
import { readLogLevel, readServiceOptions, stateHome } from './index.js'

const HOME = { CRYPTO_ANALYZER_HOME: '/srv/ca' }

const failure = (run: () => unknown): Error => {
  try {
    run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected it to throw')
}

describe('readServiceOptions', () => {
  it('reads every server variable into typed options', () => {
    const options = readServiceOptions({
      ...HOME,
      CRYPTO_ANALYZER_HOST: ' 0.0.0.0 ',
      CRYPTO_ANALYZER_PORT: '8001',
      CRYPTO_ANALYZER_PROVIDER: 'Binance',
      CRYPTO_ANALYZER_FALLBACK: 'coinbase, mock',
      CRYPTO_ANALYZER_SYMBOLS: 'btc,eth',
      CRYPTO_ANALYZER_QUOTE: 'USDC',
      CRYPTO_ANALYZER_MOCK_INTERVAL_MS: '250',
      CRYPTO_ANALYZER_BINANCE_URL: 'ws://127.0.0.1:9443/ws',
      CRYPTO_ANALYZER_COINBASE_URL: 'ws://127.0.0.1:9444',
      CRYPTO_ANALYZER_TOKEN: 's3cret',
      CRYPTO_ANALYZER_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      CRYPTO_ANALYZER_REDIS_URL: 'redis://127.0.0.1:6379',
      CRYPTO_ANALYZER_REDIS_PREFIX: 'ca-test:',
      CRYPTO_ANALYZER_NODE_ID: 'web-1',
      CRYPTO_ANALYZER_LEADER_LEASE_MS: '2000',
    })
    expect(options).toEqual({
      host: '0.0.0.0',
      port: 8001,
      provider: 'binance',
      fallback: ['coinbase', 'mock'],
      symbols: ['BTC', 'ETH'],
      quote: 'USDC',
      interval: 250,
      urls: { binance: 'ws://127.0.0.1:9443/ws', coinbase: 'ws://127.0.0.1:9444' },
      token: 's3cret',
      allowedOrigins: ['https://a.example', 'https://b.example'],
      home: '/srv/ca',
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'ca-test:',
      nodeId: 'web-1',
      leaderLease: 2000,
    })
  })

  it('leaves unset and blank variables to the defaults and resolves the state directory', () => {
    const options = readServiceOptions({ CRYPTO_ANALYZER_PORT: '  ', XDG_CONFIG_HOME: '/x' })
    expect(options.port).toBeUndefined()
    expect(options.provider).toBeUndefined()
    expect(options.urls).toEqual({})
    expect(options.home).toBe(join('/x', 'crypto-analyzer'))
  })

  it.each([
    [
      'CRYPTO_ANALYZER_PORT',
      '80a',
      /CRYPTO_ANALYZER_PORT="80a" must be an integer from 0 to 65535/,
    ],
    ['CRYPTO_ANALYZER_PORT', '70000', /from 0 to 65535/],
    [
      'CRYPTO_ANALYZER_PROVIDER',
      'kraken2',
      /CRYPTO_ANALYZER_PROVIDER="kraken2" is not a provider; use one of binance, coinbase/,
    ],
    // A contract provider without a venue in price-feeds (yet): it could not stream.
    [
      'CRYPTO_ANALYZER_PROVIDER',
      'kraken',
      /^CRYPTO_ANALYZER_PROVIDER="kraken" is not a provider; use one of binance, coinbase, mock$/,
    ],
    [
      'CRYPTO_ANALYZER_FALLBACK',
      'coinbase,bybit',
      /CRYPTO_ANALYZER_FALLBACK="bybit" is not a provider; use one of binance, coinbase, mock/,
    ],
    [
      'CRYPTO_ANALYZER_FALLBACK',
      'coinbase,ftx',
      /CRYPTO_ANALYZER_FALLBACK="ftx" is not a provider/,
    ],
    ['CRYPTO_ANALYZER_SYMBOLS', 'BTC,ET-H', /^CRYPTO_ANALYZER_SYMBOLS: .*ET-H/],
    [
      'CRYPTO_ANALYZER_MOCK_INTERVAL_MS',
      '0',
      /CRYPTO_ANALYZER_MOCK_INTERVAL_MS="0" must be an integer from 1/,
    ],
    [
      'CRYPTO_ANALYZER_LEADER_LEASE_MS',
      '100',
      /CRYPTO_ANALYZER_LEADER_LEASE_MS="100" must be an integer from 500 to 600000/,
    ],
  ])('refuses %s=%s with a usage error naming the variable', (name, value, message) => {
    const error = failure(() => readServiceOptions({ ...HOME, [name]: value }))
    expect(isCryptoAnalyzerError(error) && error.code).toBe('INVALID_INPUT')
    expect(error.message).toMatch(message)
  })
})

describe('stateHome', () => {
  it('prefers CRYPTO_ANALYZER_HOME, then an absolute XDG_CONFIG_HOME, then ~/.config', () => {
    expect(stateHome({ CRYPTO_ANALYZER_HOME: '/srv/ca', XDG_CONFIG_HOME: '/x' })).toBe('/srv/ca')
    expect(stateHome({ XDG_CONFIG_HOME: '/x' })).toBe('/x/crypto-analyzer')
    expect(stateHome({ XDG_CONFIG_HOME: 'relative', HOME: '/h' })).toMatch(
      /\.config\/crypto-analyzer$/,
    )
    expect(stateHome({ CRYPTO_ANALYZER_HOME: '  ' })).toMatch(/\.config\/crypto-analyzer$/)
    expect(stateHome({ CRYPTO_ANALYZER_HOME: 'rel/dir' })).toBe(join(process.cwd(), 'rel/dir'))
  })
})

describe('readLogLevel', () => {
  it('defaults to info and accepts each level', () => {
    expect(readLogLevel({})).toBe('info')
    expect(readLogLevel({ CRYPTO_ANALYZER_LOG_LEVEL: 'debug' })).toBe('debug')
  })

  it('refuses a word that is not a level', () => {
    const error = failure(() => readLogLevel({ CRYPTO_ANALYZER_LOG_LEVEL: 'verbose' }))
    expect(error.message).toBe(
      'CRYPTO_ANALYZER_LOG_LEVEL="verbose" is not a level; use error, warn, info or debug',
    )
  })
})
