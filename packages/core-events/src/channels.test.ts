import { describe, expect, it } from 'vitest'
import {
  CHANNEL_EVENT_TYPES,
  Decimal,
  ROOM_FAMILIES,
  ROOM_NAMES_TEXT,
  channelMessage,
  createEventBus,
  decodeServerMessage,
  encodeAlertTriggered,
  encodeFeedStatus,
  encodeMessage,
  encodePortfolioUpdate,
  encodePriceUpdate,
  parseRoom,
  roomName,
} from './index.js'
import type { AnyStreamEvent, PriceUpdate } from './index.js'

const update: PriceUpdate = {
  symbol: 'BTC',
  price: new Decimal('50000.10'),
  change24h: new Decimal('-12.5'),
  changePercent24h: new Decimal('-0.025'),
  volume24h: new Decimal('1234.5'),
  timestamp: Date.parse('2025-07-03T10:00:00.000Z'),
  source: 'binance',
}
const bus = createEventBus()
const at = Date.parse('2025-07-03T10:00:00.012Z')

describe('channelMessage', () => {
  it('sends a price to prices keyed by symbol and to its own symbol room', () => {
    const message = channelMessage(bus.createEvent('price_update', update, { source: 'binance' }))
    expect(message?.channel).toBe('price')
    expect(message?.routes).toEqual([
      { room: 'prices', key: 'BTC' },
      { room: 'prices:BTC', key: '' },
    ])
    const text = encodeMessage('price_update', message?.data ?? '', { seq: 3, sentAt: at })
    expect(text).toBe(encodePriceUpdate(update, { seq: 3, sentAt: at }))
    const decoded = decodeServerMessage(text)
    expect(decoded.ok && decoded.value.type === 'price_update' && decoded.value.seq).toBe(3)
  })

  it('encodes the other channels exactly like their whole-message encoders', () => {
    const snapshot = {
      totalValue: new Decimal('100'),
      totalChange24h: new Decimal('2'),
      totalChangePercent24h: new Decimal('2.04'),
      holdings: [],
    }
    const alert = {
      id: 'a1',
      symbol: 'BTC',
      condition: 'price > 1',
      message: 'up',
      price: new Decimal('2'),
      triggeredAt: at,
    }
    const status = { provider: 'mock' as const, state: 'connected' as const, symbols: ['BTC'] }
    const events: [AnyStreamEvent, string, string | undefined, string][] = [
      [
        bus.createEvent('portfolio_update', snapshot, { source: 'portfolio' }),
        encodePortfolioUpdate(snapshot, { seq: 1, sentAt: at }),
        '',
        'portfolio',
      ],
      [
        bus.createEvent('alert_triggered', alert, { source: 'alerts' }),
        encodeAlertTriggered(alert, { seq: 1, sentAt: at }),
        undefined,
        'alerts',
      ],
      [
        bus.createEvent('feed_status', status, { source: 'mock' }),
        encodeFeedStatus(status, { seq: 1, sentAt: at }),
        'mock',
        'status',
      ],
    ]
    for (const [event, whole, key, room] of events) {
      const message = channelMessage(event)
      expect(message?.routes).toEqual([{ room, key }])
      expect(encodeMessage(event.type, message?.data ?? '', { seq: 1, sentAt: at })).toBe(whole)
    }
    expect(CHANNEL_EVENT_TYPES).toEqual([
      'price_update',
      'portfolio_update',
      'alert_triggered',
      'feed_status',
    ])
  })

  it('gives no channel message for an event no room carries', () => {
    const event = { ...bus.createEvent('feed_status', {} as never, { source: 'x' }), type: 'error' }
    expect(channelMessage(event as AnyStreamEvent)).toBeUndefined()
  })
})

describe('room families', () => {
  it('parse back from every name they make, and nothing else', () => {
    for (const family of ROOM_FAMILIES) {
      const name = roomName(family, 'ETH')
      expect(parseRoom(name)?.name).toBe(name)
    }
    expect(parseRoom('status:BTC')).toBeUndefined()
    expect(parseRoom('book:BTC')).toBeUndefined()
    expect(ROOM_NAMES_TEXT).toBe('prices, prices:<SYMBOL>, portfolio, alerts, status')
  })
})
