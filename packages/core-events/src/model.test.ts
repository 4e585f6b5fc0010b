import { describe, expect, it } from 'vitest'
import {
  CryptoAnalyzerError,
  isCryptoAnalyzerError,
  normalizeSymbol,
  parseDecimal,
  parseSymbols,
} from './index.js'

describe('parseSymbols', () => {
  it('upper-cases, trims, splits on commas and removes duplicates in order', () => {
    expect(parseSymbols('btc, ETH,eth,,ada')).toEqual(['BTC', 'ETH', 'ADA'])
    expect(parseSymbols(['btc,dot', 'link'])).toEqual(['BTC', 'DOT', 'LINK'])
  })

  it.each(['BTC-USD', 'bt c', 'ÄBC', 'A'.repeat(21), '$'])(
    'rejects %s naming the bad symbol',
    (bad) => {
      expect(() => parseSymbols(`BTC,${bad}`)).toThrow(JSON.stringify(bad))
    },
  )

  it('rejects an empty list and more than 200 symbols with INVALID_INPUT', () => {
    expect(() => parseSymbols(' , ')).toThrow(/no symbols/)
    const many = Array.from({ length: 201 }, (_, i) => `S${i}`)
    try {
      parseSymbols(many)
      expect.unreachable()
    } catch (error) {
      expect(isCryptoAnalyzerError(error) && error.code).toBe('INVALID_INPUT')
      expect(String(error)).toContain('at most 200')
    }
    expect(parseSymbols(many.slice(0, 200))).toHaveLength(200)
  })

  it('normalizes a single symbol', () => {
    expect(normalizeSymbol(' link ')).toBe('LINK')
  })
})

describe('parseDecimal', () => {
  it('keeps every digit of exchange text', () => {
    expect(parseDecimal('0.00014360')?.toFixed()).toBe('0.0001436')
    expect(parseDecimal('20014582.00000000')?.toFixed()).toBe('20014582')
    expect(parseDecimal('-1.5e-8')?.toFixed()).toBe('-0.000000015')
    expect(parseDecimal('12345678901234567890.123456789')?.toFixed()).toBe(
      '12345678901234567890.123456789',
    )
  })

  it.each([
    undefined,
    null,
    1.5,
    '',
    ' 1',
    '1 ',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    '1,5',
    '+1',
    '.5',
    '1.',
    '--1',
    '1e',
    'abc',
  ])('returns undefined for %j', (input) => {
    expect(parseDecimal(input)).toBeUndefined()
  })
})

describe('CryptoAnalyzerError', () => {
  it('carries a code, a cause and its subclass name', () => {
    class FeedishError extends CryptoAnalyzerError {}
    const cause = new Error('socket hang up')
    const error = new FeedishError('CONNECTION_FAILED', 'could not reach the exchange', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('FeedishError')
    expect(error.code).toBe('CONNECTION_FAILED')
    expect(error.cause).toBe(cause)
    expect(isCryptoAnalyzerError(error)).toBe(true)
    expect(isCryptoAnalyzerError(new Error('x'))).toBe(false)
    expect(isCryptoAnalyzerError(Object.assign(new Error('x'), { code: 'TIMEOUT' }))).toBe(true)
  })

  it('rejects a code outside the union', () => {
    expect(() => new CryptoAnalyzerError('NOPE' as 'TIMEOUT', 'x')).toThrow(
      /unknown CryptoAnalyzerError code/,
    )
  })
})
