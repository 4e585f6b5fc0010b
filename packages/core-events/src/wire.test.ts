import { describe, expect, it } from 'vitest'
import {
  Decimal,
  decodeClientMessage,
  decodeServerMessage,
  encodeAlertTriggered,
  encodeError,
  encodeFeedStatus,
  encodePong,
  encodePortfolioUpdate,
  encodePriceData,
  encodePriceUpdate,
  encodeRoomEvent,
  encodeServerMessage,
  parseRoom,
  PROVIDERS,
} from './index.js'
import type { PriceUpdate, WireErrorCode } from './index.js'

const T0 = Date.parse('2025-07-03T10:00:00.000Z')

// The contract's examples, with their placeholders filled in. Numbers are written the way a
// Decimal writes them: the contract's `50000.00` is the same value as `50000`, and the wire
// never carries trailing zeros (documented in the package README).
const CONTRACT_FRAMES = [
  '{"type":"price_update","data":{"symbol":"BTC","price":50000,"change_24h":1000,"change_percent_24h":2.5,"volume_24h":1000000,"timestamp":"2025-07-03T10:00:00.000Z","source":"binance"},"seq":42,"timestamp":"2025-07-03T10:00:00.012Z"}',
  '{"type":"portfolio_update","data":{"total_value":100000,"total_change_24h":2500,"total_change_percent_24h":2.56,"holdings":[{"symbol":"BTC","amount":2,"value":100000,"change_24h":2000}]},"seq":7,"timestamp":"2025-07-03T10:00:00.000Z"}',
  '{"type":"alert_triggered","data":{"id":"a1b2c3","symbol":"BTC","condition":"price > 50000","message":"BTC above 50k","price":50001.5,"triggered_at":"2025-07-03T10:00:00.000Z"},"timestamp":"2025-07-03T10:00:00.001Z"}',
  '{"type":"feed_status","data":{"provider":"binance","state":"connected","symbols":["BTC","ETH"]},"timestamp":"2025-07-03T10:00:00.000Z"}',
  '{"type":"room_joined","room":"prices","timestamp":"2025-07-03T10:00:00.000Z"}',
  '{"type":"room_left","room":"prices","timestamp":"2025-07-03T10:00:00.000Z"}',
  '{"type":"pong","timestamp":"2025-07-03T10:00:00.000Z"}',
  '{"type":"error","data":{"code":"invalid_json","message":"message is not valid JSON"},"timestamp":"2025-07-03T10:00:00.000Z"}',
]

const update = (fields: Partial<PriceUpdate> = {}): PriceUpdate => ({
  symbol: 'BTC',
  price: new Decimal('50000.00'),
  change24h: new Decimal('1000.00'),
  changePercent24h: new Decimal('2.5'),
  volume24h: new Decimal('1000000.00'),
  timestamp: T0,
  source: 'binance',
  ...fields,
})

describe('server message codecs', () => {
  it.each(CONTRACT_FRAMES)('round-trips the contract example byte for byte: %s', (frame) => {
    const decoded = decodeServerMessage(frame)
    expect(decoded.ok).toBe(true)
    if (!decoded.ok) return
    expect(encodeServerMessage(decoded.value)).toBe(frame)
  })

  it('writes the contract price_update from Decimals built from the contract text', () => {
    expect(encodePriceUpdate(update(), { seq: 42, sentAt: T0 + 12 })).toBe(CONTRACT_FRAMES[0])
  })

  it('decodes the numbers as exact decimals', () => {
    const decoded = decodeServerMessage(CONTRACT_FRAMES[2]!)
    expect(
      decoded.ok && decoded.value.type === 'alert_triggered' && decoded.value.data.price.toFixed(),
    ).toBe('50001.5')
  })

  it('keeps every digit of prices far below a float’s resolution', () => {
    const tiny = update({
      price: new Decimal('0.00014360'),
      change24h: new Decimal('0.00000291'),
      changePercent24h: new Decimal('2.068'),
      volume24h: new Decimal('20014582.00000000'),
    })
    const data = encodePriceData(tiny)
    expect(data).toContain('"price":0.0001436,')
    expect(data).toContain('"change_24h":0.00000291,')
    expect(data).toContain('"volume_24h":20014582,')
  })

  it('never writes exponent notation, at 1e-8 steps or 1e12 volumes', () => {
    for (let step = 1; step <= 9; step++) {
      const price = new Decimal('0.00000001').times(step)
      const frame = encodePriceUpdate(update({ price, volume24h: new Decimal('1e12') }), {
        sentAt: T0,
      })
      expect(frame).toContain(`"price":0.0000000${step},`)
      expect(frame).toContain('"volume_24h":1000000000000,')
      expect(frame).not.toMatch(/\d[eE][+-]?\d/)
    }
    const precise = new Decimal('123456789012.123456789012345678')
    expect(encodePriceData(update({ volume24h: precise }))).toContain(
      '"volume_24h":123456789012.123456789012345678,',
    )
  })

  it('round-trips a 30-digit decimal through encode and decode without loss', () => {
    const price = new Decimal('98765.432109876543210987654321')
    const decoded = decodeServerMessage(
      encodePriceUpdate(update({ price }), { seq: 1, sentAt: T0 }),
    )
    expect(
      decoded.ok && decoded.value.type === 'price_update' && decoded.value.data.price.equals(price),
    ).toBe(true)
  })

  it('writes negative changes and negative zero correctly', () => {
    const data = encodePriceData(
      update({ change24h: new Decimal('-0'), changePercent24h: new Decimal('-1.25') }),
    )
    expect(data).toContain('"change_24h":0,')
    expect(data).toContain('"change_percent_24h":-1.25,')
  })

  it('refuses to write a non-finite decimal', () => {
    expect(() => encodePriceData(update({ price: new Decimal(Number.NaN) }))).toThrow(/non-finite/)
  })

  it('lets one data text be wrapped for several room streams', () => {
    const data = encodePriceData(update())
    const a = encodePriceUpdate(update(), { seq: 1, sentAt: T0 }, data)
    const b = encodePriceUpdate(update(), { seq: 9, sentAt: T0 }, data)
    expect(a.replace('"seq":1', '"seq":9')).toBe(b)
  })

  it('writes the optional portfolio and feed fields only when present', () => {
    const frame = encodePortfolioUpdate(
      {
        totalValue: new Decimal(10),
        totalChange24h: new Decimal(1),
        totalChangePercent24h: new Decimal('11.1'),
        holdings: [
          {
            symbol: 'ETH',
            amount: new Decimal('0.5'),
            value: new Decimal(10),
            change24h: new Decimal(1),
            price: new Decimal(20),
            allocationPercent: new Decimal(100),
            unrealizedPnl: new Decimal('-2.5'),
            stale: false,
          },
        ],
        missing: ['DOT'],
        stale: [],
      },
      { seq: 3, sentAt: T0 },
    )
    expect(frame).toBe(
      '{"type":"portfolio_update","data":{"total_value":10,"total_change_24h":1,"total_change_percent_24h":11.1,"holdings":[{"symbol":"ETH","amount":0.5,"value":10,"change_24h":1,"price":20,"allocation_percent":100,"unrealized_pnl":-2.5,"stale":false}],"missing":["DOT"],"stale":[]},"seq":3,"timestamp":"2025-07-03T10:00:00.000Z"}',
    )
    const decoded = decodeServerMessage(frame)
    expect(decoded.ok && encodeServerMessage(decoded.value)).toBe(frame)
    expect(
      encodeFeedStatus(
        { provider: 'coinbase', state: 'failed_over', symbols: ['BTC'], reason: 'binance stale' },
        { sentAt: T0, seq: 2 },
      ),
    ).toBe(
      '{"type":"feed_status","data":{"provider":"coinbase","state":"failed_over","symbols":["BTC"],"reason":"binance stale"},"seq":2,"timestamp":"2025-07-03T10:00:00.000Z"}',
    )
    const retrying = encodeFeedStatus(
      { provider: 'binance', state: 'reconnecting', symbols: ['BTC'], retryInMs: 1234.4 },
      { sentAt: T0 },
    )
    expect(retrying).toBe(
      '{"type":"feed_status","data":{"provider":"binance","state":"reconnecting","symbols":["BTC"],"retry_in_ms":1234},"timestamp":"2025-07-03T10:00:00.000Z"}',
    )
    const decodedRetry = decodeServerMessage(retrying)
    expect(
      decodedRetry.ok &&
        decodedRetry.value.type === 'feed_status' &&
        decodedRetry.value.data.retryInMs,
    ).toBe(1234)
  })

  it('escapes user text in alerts and errors', () => {
    const frame = encodeAlertTriggered(
      {
        id: 'x',
        symbol: 'BTC',
        condition: 'price > 1',
        message: 'say "hi"\n',
        price: new Decimal(2),
        triggeredAt: T0,
      },
      { sentAt: T0 },
    )
    expect(JSON.parse(frame)).toMatchObject({ data: { message: 'say "hi"\n' } })
    expect(
      JSON.parse(encodeError({ code: 'rate_limited', message: 'slow "down"' }, T0)),
    ).toMatchObject({
      data: { code: 'rate_limited', message: 'slow "down"' },
    })
    expect(encodePong(T0)).toBe('{"type":"pong","timestamp":"2025-07-03T10:00:00.000Z"}')
    expect(encodeRoomEvent('room_joined', 'prices:BTC', T0)).toBe(
      '{"type":"room_joined","room":"prices:BTC","timestamp":"2025-07-03T10:00:00.000Z"}',
    )
  })

  it.each([
    ['not json', 'invalid_json'],
    ['[]', 'invalid_message'],
    ['{"type":"price_update"}', 'invalid_message'],
    [
      '{"type":"price_update","timestamp":"2025-07-03T10:00:00.000Z","data":{"symbol":"BTC","price":"1"}}',
      'invalid_message',
    ],
    ['{"type":"teleport","timestamp":"2025-07-03T10:00:00.000Z"}', 'unknown_type'],
    ['{"type":"pong","timestamp":"yesterday"}', 'invalid_message'],
    ['{"type":"pong","timestamp":"2025-07-03T10:00:00.000Z","seq":-1}', 'invalid_message'],
    ['{"type":"pong","timestamp":"2025-07-03T10:00:00.000Z"} trailing', 'invalid_json'],
    [`${'['.repeat(100)}${']'.repeat(100)}`, 'invalid_json'],
  ] as const)('returns an error value for a bad server frame %s', (text, code) => {
    const result = decodeServerMessage(text)
    expect(result).toMatchObject({ ok: false, error: { code } })
  })

  const priceFrom = (source: string): string =>
    CONTRACT_FRAMES[0]!.replace('"source":"binance"', `"source":${JSON.stringify(source)}`)
  const statusFrom = (provider: string): string =>
    CONTRACT_FRAMES[3]!.replace('"provider":"binance"', `"provider":${JSON.stringify(provider)}`)

  // The contract's "Symbols and providers", whether or not this build has a venue for each.
  const CONTRACT_PROVIDERS = ['binance', 'coinbase', 'kraken', 'okx', 'bybit', 'mock']

  it('lists the contract providers as PROVIDERS', () => {
    expect(PROVIDERS).toEqual(CONTRACT_PROVIDERS)
  })

  it.each(CONTRACT_PROVIDERS)('decodes %s as a source and a feed provider', (name) => {
    const price = decodeServerMessage(priceFrom(name))
    expect(price.ok && price.value.type === 'price_update' && price.value.data.source).toBe(name)
    const status = decodeServerMessage(statusFrom(name))
    expect(status.ok && status.value.type === 'feed_status' && status.value.data.provider).toBe(
      name,
    )
  })

  it('refuses a provider outside the contract, naming the contract providers', () => {
    const choices = 'one of binance, coinbase, kraken, okx, bybit, mock'
    expect(decodeServerMessage(priceFrom('ftx'))).toEqual({
      ok: false,
      error: { code: 'invalid_message', message: `data.source must be ${choices}` },
    })
    expect(decodeServerMessage(statusFrom('ftx'))).toEqual({
      ok: false,
      error: { code: 'invalid_message', message: `data.provider must be ${choices}` },
    })
  })
})

describe('decodeClientMessage', () => {
  it.each([
    [
      '{"type":"join_room","room":"prices"}',
      { type: 'join_room', room: { kind: 'prices', name: 'prices' } },
    ],
    [
      '{"type":"join_room","room":"prices:btc"}',
      { type: 'join_room', room: { kind: 'prices', symbol: 'BTC', name: 'prices:BTC' } },
    ],
    [
      '{"type":"join_room","room":"prices","since":41}',
      { type: 'join_room', room: { name: 'prices' }, since: 41 },
    ],
    [
      '{"type":"leave_room","room":"portfolio"}',
      { type: 'leave_room', room: { kind: 'portfolio', name: 'portfolio' } },
    ],
    ['{"type":"ping"}', { type: 'ping' }],
    ['{"type":"ping","id":7}', { type: 'ping' }],
    [' {"type":"join_room","room":"status"} ', { type: 'join_room', room: { name: 'status' } }],
  ])('accepts %s', (text, expected) => {
    const result = decodeClientMessage(text)
    expect(result.ok).toBe(true)
    expect(result.ok && result.value).toMatchObject(expected)
  })

  const bad: [string, WireErrorCode][] = [
    ['', 'invalid_json'],
    ['{', 'invalid_json'],
    ['{"type":"join_room","room":"prices"', 'invalid_json'],
    ['NaN', 'invalid_json'],
    ['null', 'invalid_message'],
    ['42', 'invalid_message'],
    ['"join_room"', 'invalid_message'],
    ['[{"type":"ping"}]', 'invalid_message'],
    ['{}', 'invalid_message'],
    ['{"type":7}', 'invalid_message'],
    ['{"type":null}', 'invalid_message'],
    ['{"type":"subscribe","room":"prices"}', 'unknown_type'],
    ['{"type":"JOIN_ROOM","room":"prices"}', 'unknown_type'],
    ['{"type":"join_room"}', 'invalid_message'],
    ['{"type":"join_room","room":""}', 'invalid_message'],
    ['{"type":"join_room","room":["prices"]}', 'invalid_message'],
    ['{"type":"join_room","room":"trades"}', 'unknown_room'],
    ['{"type":"join_room","room":"prices:"}', 'unknown_room'],
    ['{"type":"join_room","room":"prices:BTC-USD"}', 'unknown_room'],
    ['{"type":"join_room","room":"prices:ABCDEFGHIJKLMNOPQRSTU"}', 'unknown_room'],
    ['{"type":"leave_room","room":"Prices"}', 'unknown_room'],
    ['{"type":"join_room","room":"prices","since":-1}', 'invalid_message'],
    ['{"type":"join_room","room":"prices","since":1.5}', 'invalid_message'],
    ['{"type":"join_room","room":"prices","since":"41"}', 'invalid_message'],
    ['{"type":"join_room","room":"prices","since":1e300}', 'invalid_message'],
    [`{"type":"${'x'.repeat(5000)}"}`, 'unknown_type'],
  ]

  it.each(bad)('returns a typed error for %s', (text, code) => {
    const result = decodeClientMessage(text)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe(code)
    expect(result.error.message.length).toBeLessThan(200)
  })

  it('never throws, whatever the input', () => {
    const inputs = [
      '\u0000',
      '\uD800',
      '{"__proto__":{"type":"ping"}}',
      '{"type":"ping","type":"x"}',
      '\\',
    ]
    for (const input of inputs) expect(() => decodeClientMessage(input)).not.toThrow()
    expect(decodeClientMessage('{"__proto__":{"type":"ping"}}').ok).toBe(false)
  })
})

describe('parseRoom', () => {
  it('knows the contract rooms and nothing else', () => {
    expect(
      ['prices', 'portfolio', 'alerts', 'status', 'prices:ETH'].map(
        (name) => parseRoom(name)?.name,
      ),
    ).toEqual(['prices', 'portfolio', 'alerts', 'status', 'prices:ETH'])
    expect(parseRoom('prices:eth')?.symbol).toBe('ETH')
    expect(parseRoom('alerts:BTC')).toBeUndefined()
    expect(parseRoom('constructor')).toBeUndefined()
  })
})
