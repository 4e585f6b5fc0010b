import { describe, expect, it } from 'vitest'
import { readFixture } from './index.js'

describe('readFixture', () => {
  it('returns the non-empty lines of fixtures/<name>.jsonl', () => {
    const lines = readFixture('binance-control')
    expect(lines).toHaveLength(5)
    expect(lines[0]).toBe('{"result":null,"id":1}')
    for (const line of readFixture('coinbase-exchange-ticker')) {
      expect((JSON.parse(line) as { type: string }).type).toBe('ticker')
    }
  })

  it('throws not-found for a missing fixture and invalid-options for a path', () => {
    expect(() => readFixture('nope')).toThrow(expect.objectContaining({ reason: 'not-found' }))
    expect(() => readFixture('../package')).toThrow(
      expect.objectContaining({ reason: 'invalid-options', code: 'INVALID_CONFIG' }),
    )
  })
})
