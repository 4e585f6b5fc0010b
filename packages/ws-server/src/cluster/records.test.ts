import {
  Decimal,
  encodeAlertData,
  encodeFeedStatusData,
  encodeMessage,
  encodePortfolioData,
  encodePriceData,
} from '@crypto-analyzer/core-events'
import { describe, expect, it } from 'vitest'
import { KIND_ALERT, KIND_PRICE, payloadOf } from '../internal/frame.js'
import { Room, roomSpecs } from '../internal/room.js'
import { StoredReader, latestFields, streamFields } from './records.js'
import type { StoredFields } from './records.js'

const SENT = Date.parse('2025-07-03T10:00:00.000Z')
const rooms = new Map(
  roomSpecs({ symbols: ['BTC'], historySize: 10, symbolHistorySize: 5, alertSnapshotSize: 3 }).map(
    (spec) => [spec.name, new Room(spec)],
  ),
)
const room = (name: string): Room => rooms.get(name) as Room
const storedEntry = (into: Room, fields: StoredFields): ReturnType<StoredReader['entry']> =>
  new StoredReader().entry(into, fields)

const priceData = encodePriceData({
  symbol: 'BTC',
  price: new Decimal('65000.10'),
  change24h: new Decimal('-12.5'),
  changePercent24h: new Decimal('-0.02'),
  volume24h: new Decimal('1000.5'),
  timestamp: SENT - 5,
  source: 'binance',
})
const alert = encodeAlertData({
  id: 'a1',
  symbol: 'BTC',
  condition: 'price > 1',
  message: 'up',
  price: new Decimal('2'),
  triggeredAt: SENT,
})
const status = encodeFeedStatusData({ provider: 'binance', state: 'connected', symbols: ['BTC'] })
const good = { s: '41', c: 'price_update', k: 'BTC', t: String(SENT), d: priceData }

describe('StoredReader', () => {
  it('builds the frame the hub builds, with the stored seq, key and kind', () => {
    const entry = storedEntry(room('prices'), streamFields(Object.entries(good).flat()))
    if (typeof entry === 'string') throw new Error(entry)
    expect(payloadOf(entry).toString()).toBe(
      encodeMessage('price_update', priceData, { seq: 41, sentAt: SENT }),
    )
    expect(entry).toMatchObject({ seq: 41, key: 'BTC', kind: KIND_PRICE })
  })

  it('reads the latest-state document of the same fields, and an alert keyed by its seq', () => {
    const fields = latestFields(
      JSON.stringify({ s: '7', c: 'alert_triggered', k: '7', t: String(SENT), d: alert }),
    )
    expect(storedEntry(room('alerts'), fields ?? {})).toMatchObject({
      seq: 7,
      key: '7',
      kind: KIND_ALERT,
    })
  })

  it.each<[string, StoredFields, RegExp]>([
    ['no seq', { ...good, s: undefined }, /seq/],
    ['seq 0', { ...good, s: '0' }, /seq/],
    ['a negative seq', { ...good, s: '-3' }, /seq/],
    ['a fractional seq', { ...good, s: '1.5' }, /seq/],
    ['a seq past 2^53', { ...good, s: '9007199254740993' }, /seq/],
    ['an unknown type', { ...good, c: 'price_updated' }, /price channel/],
    ["another channel's type", { ...good, c: 'feed_status', d: status }, /price channel/],
    ['no sent time', { ...good, t: undefined }, /sent time/],
    ['a sent time that is no number', { ...good, t: 'NaN' }, /sent time/],
    ['a sent time past what a Date shows', { ...good, t: '9000000000000000' }, /sent time/],
    ['no key', { ...good, k: undefined }, /key/],
    ['a key that is no string', { ...good, k: 5 }, /key/],
    ['no data', { ...good, d: undefined }, /data/],
    ['data that is not JSON', { ...good, d: '{"symbol":' }, /not a server message/],
    ['data of the wrong shape', { ...good, d: '{"symbol":"BTC"}' }, /not a server message/],
    ['data that closes the message early', { ...good, d: `${priceData}}` }, /not a server/],
  ])('refuses %s', (_what, fields, reason) => {
    expect(storedEntry(room('prices:BTC'), fields)).toMatch(reason)
  })

  it('checks seq, type and time of every message whose data it already decoded', () => {
    const reader = new StoredReader()
    expect(reader.entry(room('prices'), good)).toMatchObject({ seq: 41 })
    expect(reader.entry(room('prices:BTC'), { ...good, s: '3' })).toMatchObject({ seq: 3 })
    expect(reader.entry(room('prices:BTC'), { ...good, s: '0' })).toMatch(/seq/)
    expect(reader.entry(room('status'), good)).toMatch(/status channel/)
    expect(reader.entry(room('prices:BTC'), { ...good, t: 'x' })).toMatch(/sent time/)
  })

  it('vouches for data this node encoded only as the type it encoded it as', () => {
    const reader = new StoredReader()
    reader.trust('price_update', priceData)
    expect(reader.entry(room('prices'), good)).toMatchObject({ seq: 41 })
    expect(reader.entry(room('status'), { ...good, c: 'feed_status' })).toMatch(
      /not a server message/,
    )
  })

  it('forgets the oldest vouched-for data once it remembers 2048, and checks it again', () => {
    const reader = new StoredReader()
    // Data this node never encoded, vouched for only to see when the vouching is forgotten.
    const bogus = '{"symbol":"BTC"}'
    reader.trust('price_update', bogus)
    expect(reader.entry(room('prices'), { ...good, d: bogus })).toMatchObject({ seq: 41 })
    for (let index = 1; index < 2048; index++) reader.trust('price_update', `{"n":${index}}`)
    expect(reader.entry(room('prices'), { ...good, d: bogus })).toMatchObject({ seq: 41 })
    reader.trust('price_update', '{"n":2048}')
    expect(reader.entry(room('prices'), { ...good, d: bogus })).toMatch(/not a server message/)
  })

  it('reads no latest-state document from text that is not a JSON object', () => {
    expect(latestFields('{not json')).toBeUndefined()
    expect(latestFields('[1,2]')).toBeUndefined()
    expect(latestFields('null')).toBeUndefined()
  })

  it("takes in each room exactly the type of the room's channel", () => {
    const data: Record<string, string> = {
      price_update: priceData,
      portfolio_update: encodePortfolioData({
        totalValue: new Decimal('10'),
        totalChange24h: new Decimal('1'),
        totalChangePercent24h: new Decimal('11.1'),
        holdings: [],
      }),
      alert_triggered: alert,
      feed_status: status,
    }
    const accepted = [...rooms.values()].map((each) => [
      each.name,
      Object.keys(data).filter(
        (type) => typeof storedEntry(each, { ...good, c: type, d: data[type] }) !== 'string',
      ),
    ])
    expect(Object.fromEntries(accepted)).toEqual({
      prices: ['price_update'],
      portfolio: ['portfolio_update'],
      alerts: ['alert_triggered'],
      status: ['feed_status'],
      'prices:BTC': ['price_update'],
    })
  })
})
