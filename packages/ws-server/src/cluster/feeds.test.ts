import { describe, expect, it } from 'vitest'
import { parseFeeds } from './feeds.js'

// As the leader shares a price-feeds ProviderStatus (JSON drops its undefined fields).
const shared = {
  provider: 'binance',
  primary: true,
  state: 'connected',
  symbols: ['BTC', 'ETH'],
  messagesReceived: 120,
  uptimeSeconds: 61.5,
  reconnects: 1,
  droppedFrames: 0,
  lastMessageAt: 1_751_536_800_000,
  staleAfter: 30_000,
  exchangeLatencyMs: 12,
  outOfOrder: 0,
  unavailableSymbols: [],
}

describe('parseFeeds', () => {
  it('reads each provider field by field, keeping only the fields the server reports', () => {
    const { exchangeLatencyMs, outOfOrder, unavailableSymbols, ...reported } = shared
    expect([exchangeLatencyMs, outOfOrder, unavailableSymbols]).toEqual([12, 0, []])
    const text = JSON.stringify([shared, { ...shared, provider: 'mock', latencyMs: 3.5 }])
    expect(parseFeeds(text)).toEqual({
      providers: [
        { ...reported, latencyMs: undefined },
        { ...reported, provider: 'mock', latencyMs: 3.5 },
      ],
      invalid: 0,
    })
  })

  it('reads no providers from an empty value (no leader shared any)', () => {
    expect(parseFeeds('')).toEqual({ providers: [], invalid: 0 })
  })

  it.each([
    ['not JSON', '[{'],
    ['not a list', '{"provider":"binance"}'],
  ])('counts a value that is %s as one invalid entry', (_what, text) => {
    expect(parseFeeds(text)).toEqual({ providers: [], invalid: 1 })
  })

  it.each<[string, Record<string, unknown>]>([
    ['an unknown provider', { provider: 'ftx' }],
    ['a state outside the feed states', { state: 'sleeping' }],
    ['symbols that are not a list of strings', { symbols: ['BTC', 5] }],
    ['a count that is a string', { messagesReceived: '120' }],
    ['a negative count', { reconnects: -1 }],
    ['a latency that is not a number', { latencyMs: 'fast' }],
    ['a last message time that is not a number', { lastMessageAt: '2025-07-03' }],
    ['a zero stale window', { staleAfter: 0 }],
    ['primary that is not a boolean', { primary: 'yes' }],
    ['a missing field', { droppedFrames: undefined }],
  ])('drops and counts a provider with %s, keeping the others', (_what, change) => {
    const bad = { ...shared, provider: 'coinbase', ...change }
    const result = parseFeeds(JSON.stringify([shared, bad]))
    expect(result.invalid).toBe(1)
    expect(result.providers.map((item) => item.provider)).toEqual(['binance'])
  })
})
