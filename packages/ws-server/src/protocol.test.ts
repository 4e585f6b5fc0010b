import { Decimal, EventType, createEventBus } from '@crypto-analyzer/core-events'
import type { AlertEvent, PortfolioSnapshot } from '@crypto-analyzer/core-events'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProviderStatusLike } from './index.js'
import { connect, data, ofType, price, publishPrice, startServer } from './test-support/harness.js'
import type { Harness, Message, TestClient } from './test-support/harness.js'

let harness: Harness | undefined
const clients: TestClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close()
  await harness?.stop()
  harness = undefined
})

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<Harness> {
  harness = await startServer(options)
  return harness
}

async function client(h: Harness): Promise<TestClient> {
  const c = await connect(h.wsUrl)
  clients.push(c)
  return c
}

/** Everything the server sent before this returns has arrived (the pong comes after it). */
async function barrier(c: TestClient): Promise<Message[]> {
  c.send({ type: 'ping' })
  return c.takeUntil(ofType('pong'), 'pong')
}

const seqs = (messages: Message[]): number[] => messages.map((message) => message['seq'] as number)

const portfolio: PortfolioSnapshot = {
  totalValue: new Decimal('100000.00'),
  totalChange24h: new Decimal('2500.00'),
  totalChangePercent24h: new Decimal('2.56'),
  holdings: [
    {
      symbol: 'BTC',
      amount: new Decimal('2.0'),
      value: new Decimal('100000.00'),
      change24h: new Decimal('2000.00'),
    },
  ],
}

const alert = (id: string): AlertEvent => ({
  id,
  symbol: 'BTC',
  condition: 'price > 50000',
  message: 'BTC above 50k',
  price: new Decimal('50001.5'),
  triggeredAt: Date.parse('2025-07-03T10:00:00.000Z'),
})

describe('ws-server protocol', () => {
  it('answers join_room with room_joined, then the latest price of each symbol in seq order', async () => {
    const h = await start()
    publishPrice(h.bus, 'BTC', '50000.10')
    publishPrice(h.bus, 'ETH', '3000')
    publishPrice(h.bus, 'BTC', '50001')
    const c = await client(h)
    c.send({ type: 'join_room', room: 'prices' })
    const joined = await c.next()
    expect(joined).toMatchObject({ type: 'room_joined', room: 'prices' })
    expect(joined['timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const snapshot = await barrier(c)
    expect(snapshot.map((message) => [data(message)['symbol'], message['seq']])).toEqual([
      ['ETH', 2],
      ['BTC', 3],
    ])
    expect(c.raw[2]).toContain('"data":{"symbol":"BTC","price":50001,"change_24h":12.5,')
  })

  it('writes prices from the exact decimal text', async () => {
    const h = await start()
    const c = await client(h)
    c.send({ type: 'join_room', room: 'prices' })
    await c.next(ofType('room_joined'))
    h.bus.publishPriceUpdate('ADA', price('ADA', '0.00014360', { source: 'binance' }))
    await c.next(ofType('price_update'))
    expect(c.raw.at(-1)).toMatch(
      /^\{"type":"price_update","data":\{"symbol":"ADA","price":0\.0001436,"change_24h":12\.5,"change_percent_24h":1\.25,"volume_24h":1000\.5,"timestamp":"2025-07-03T10:00:00\.\d{3}Z","source":"binance"\},"seq":1,"timestamp":"[^"]+"\}$/,
    )
  })

  it('gives prices and each prices:<SYMBOL> room its own seq, increasing by one', async () => {
    const h = await start()
    const all = await client(h)
    const btc = await client(h)
    all.send({ type: 'join_room', room: 'prices' })
    btc.send({ type: 'join_room', room: 'prices:btc' })
    expect(await btc.next()).toMatchObject({ type: 'room_joined', room: 'prices:BTC' })
    await all.next(ofType('room_joined'))
    for (let index = 0; index < 30; index++) {
      publishPrice(h.bus, SYMBOL_CYCLE[index % 3] as string, `${100 + index}`)
    }
    const allPrices = await barrier(all)
    expect(seqs(allPrices)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1))
    const btcPrices = await barrier(btc)
    expect(seqs(btcPrices)).toEqual(Array.from({ length: 10 }, (_, index) => index + 1))
    expect(new Set(btcPrices.map((message) => data(message)['symbol']))).toEqual(new Set(['BTC']))
  })

  it('replays the messages after since when the history still has them', async () => {
    const h = await start()
    for (let index = 0; index < 5; index++) publishPrice(h.bus, 'BTC', `${50_000 + index}`)
    const c = await client(h)
    c.send({ type: 'join_room', room: 'prices', since: 2 })
    await c.next(ofType('room_joined'))
    const replay = await barrier(c)
    expect(seqs(replay)).toEqual([3, 4, 5])
    expect(replay.map((message) => data(message)['price'])).toEqual([50_002, 50_003, 50_004])
    publishPrice(h.bus, 'BTC', '1')
    expect((await c.next(ofType('price_update')))['seq']).toBe(6)
  })

  it('sends nothing more than room_joined when since is the newest seq', async () => {
    const h = await start()
    publishPrice(h.bus, 'BTC', '1')
    publishPrice(h.bus, 'ETH', '2')
    const c = await client(h)
    c.send({ type: 'join_room', room: 'prices', since: 2 })
    await c.next(ofType('room_joined'))
    expect(await barrier(c)).toEqual([])
  })

  it('falls back to the latest state when since is older than the history or ahead of it', async () => {
    const h = await start({ historySize: 5 })
    for (let index = 1; index <= 20; index++) {
      publishPrice(h.bus, index % 2 === 0 ? 'BTC' : 'ETH', `${index}`)
    }
    const c = await client(h)
    c.send({ type: 'join_room', room: 'prices', since: 3 })
    await c.next(ofType('room_joined'))
    const old = await barrier(c)
    expect(old.map((message) => [data(message)['symbol'], message['seq']])).toEqual([
      ['ETH', 19],
      ['BTC', 20],
    ])
    // A since from before a server restart is ahead of the new seq.
    c.send({ type: 'join_room', room: 'prices', since: 999 })
    await c.next(ofType('room_joined'))
    expect(seqs(await barrier(c))).toEqual([19, 20])
    // Within the history: exact replay.
    c.send({ type: 'join_room', room: 'prices', since: 16 })
    await c.next(ofType('room_joined'))
    expect(seqs(await barrier(c))).toEqual([17, 18, 19, 20])
  })

  it('sends the last portfolio_update on join and later ones live', async () => {
    const h = await start()
    h.bus.publish(h.bus.createEvent(EventType.PORTFOLIO_UPDATE, portfolio, { source: 'portfolio' }))
    const c = await client(h)
    c.send({ type: 'join_room', room: 'portfolio' })
    await c.next(ofType('room_joined'))
    const snapshot = await c.next(ofType('portfolio_update'))
    expect(snapshot['seq']).toBe(1)
    expect(c.raw.at(-1)).toContain(
      '"data":{"total_value":100000,"total_change_24h":2500,"total_change_percent_24h":2.56,"holdings":[{"symbol":"BTC","amount":2,"value":100000,"change_24h":2000}]}',
    )
    h.bus.publish(
      h.bus.createEvent(
        EventType.PORTFOLIO_UPDATE,
        { ...portfolio, totalValue: new Decimal('1') },
        { source: 'portfolio' },
      ),
    )
    const live = await c.next(ofType('portfolio_update'))
    expect([live['seq'], data(live)['total_value']]).toEqual([2, 1])
  })

  it('delivers alert_triggered with a seq and sends recent alerts on join', async () => {
    const h = await start({ alertSnapshotSize: 2 })
    for (const id of ['a1', 'a2', 'a3']) {
      h.bus.publish(h.bus.createEvent(EventType.ALERT_TRIGGERED, alert(id), { source: 'alerts' }))
    }
    const c = await client(h)
    c.send({ type: 'join_room', room: 'alerts' })
    await c.next(ofType('room_joined'))
    const recent = await barrier(c)
    expect(recent.map((message) => [data(message)['id'], message['seq']])).toEqual([
      ['a2', 2],
      ['a3', 3],
    ])
    expect(c.raw.at(-2)).toContain(
      '"data":{"id":"a3","symbol":"BTC","condition":"price > 50000","message":"BTC above 50k","price":50001.5,"triggered_at":"2025-07-03T10:00:00.000Z"},"seq":3',
    )
  })

  it('sends feed_status to the status room, seeded from the feed source and updated from the bus', async () => {
    const binance: ProviderStatusLike = {
      provider: 'binance',
      state: 'connected',
      symbols: ['BTC', 'ETH'],
      messagesReceived: 10,
      uptimeSeconds: 5,
      latencyMs: 12,
      reconnects: 0,
      droppedFrames: 0,
      lastMessageAt: Date.now(),
      staleAfter: 30_000,
    }
    const h = await start({ feeds: { getStatus: () => ({ providers: [binance] }) } })
    const c = await client(h)
    c.send({ type: 'join_room', room: 'status' })
    await c.next(ofType('room_joined'))
    const seeded = await c.next(ofType('feed_status'))
    expect(data(seeded)).toEqual({
      provider: 'binance',
      state: 'connected',
      symbols: ['BTC', 'ETH'],
    })
    h.bus.publish(
      h.bus.createEvent(
        EventType.FEED_STATUS,
        { provider: 'binance', state: 'failed_over', symbols: ['BTC'], reason: 'stale' },
        { source: 'binance' },
      ),
    )
    const live = await c.next(ofType('feed_status'))
    expect(live).toMatchObject({
      seq: 2,
      data: { provider: 'binance', state: 'failed_over', symbols: ['BTC'], reason: 'stale' },
    })
  })

  it('gives a server created after the feeds the latest state from the bus history', async () => {
    const bus = createEventBus({ historySize: 50 })
    bus.start()
    bus.publishPriceUpdate('DOT', price('DOT', '4.2'))
    const h = await start({ bus })
    const c = await client(h)
    c.send({ type: 'join_room', room: 'prices:DOT' })
    await c.next(ofType('room_joined'))
    expect(data(await c.next(ofType('price_update')))['price']).toBe(4.2)
  })

  it('frames room messages intact with 16-bit and 64-bit lengths', async () => {
    const h = await start()
    const c = await client(h)
    c.send({ type: 'join_room', room: 'status' })
    c.send({ type: 'join_room', room: 'portfolio' })
    await c.next(ofType('room_joined'))
    await c.next(ofType('room_joined'))
    h.bus.publish(
      h.bus.createEvent(
        EventType.FEED_STATUS,
        { provider: 'mock', state: 'stopped', symbols: [] },
        { source: 'mock' },
      ),
    )
    const holdings = Array.from({ length: 1200 }, (_, index) => ({
      ...(portfolio.holdings[0] as PortfolioSnapshot['holdings'][number]),
      symbol: `H${index}`,
    }))
    h.bus.publish(
      h.bus.createEvent(
        EventType.PORTFOLIO_UPDATE,
        { ...portfolio, holdings },
        { source: 'portfolio' },
      ),
    )
    publishPrice(h.bus, 'BTC', '1')
    const messages = await barrier(c)
    expect(messages.map((message) => message.type)).toEqual(['feed_status', 'portfolio_update'])
    expect(Buffer.byteLength(c.raw[2] as string)).toBeLessThan(65_536)
    expect(Buffer.byteLength(c.raw[3] as string)).toBeGreaterThan(65_536)
    expect((data(messages[1] as Message)['holdings'] as unknown[]).length).toBe(1200)
  })

  it('answers ping with pong', async () => {
    const h = await start()
    const c = await client(h)
    c.send({ type: 'ping' })
    const pong = await c.next()
    expect(Object.keys(pong)).toEqual(['type', 'timestamp'])
    expect(pong.type).toBe('pong')
  })

  it('stops sending a room after leave_room and answers room_left', async () => {
    const h = await start()
    const c = await client(h)
    c.send({ type: 'join_room', room: 'prices' })
    await c.next(ofType('room_joined'))
    c.send({ type: 'leave_room', room: 'prices' })
    expect(await c.next()).toMatchObject({ type: 'room_left', room: 'prices' })
    publishPrice(h.bus, 'BTC', '1')
    expect(await barrier(c)).toEqual([])
    expect(h.server.stats().rooms).toEqual({})
  })

  it.each([
    ['not json', 'invalid_json'],
    ['[1,2]', 'invalid_message'],
    ['{"room":"prices"}', 'invalid_message'],
    ['{"type":"join_room"}', 'invalid_message'],
    ['{"type":"join_room","room":"prices","since":-1}', 'invalid_message'],
    ['{"type":"subscribe"}', 'unknown_type'],
    ['{"type":"join_room","room":"orders"}', 'unknown_room'],
    ['{"type":"join_room","room":"prices:XRP"}', 'unknown_room'],
    ['{"type":"leave_room","room":"prices:XRP"}', 'unknown_room'],
  ])('answers %s with an error %s and keeps the connection', async (frame, code) => {
    const h = await start()
    const c = await client(h)
    c.send(frame)
    const error = await c.next()
    expect(error).toMatchObject({ type: 'error', data: { code } })
    expect(typeof data(error)['message']).toBe('string')
    c.send({ type: 'ping' })
    await c.next(ofType('pong'))
    expect(c.isClosed).toBe(false)
  })

  it('answers a binary frame with invalid_message', async () => {
    const h = await start()
    const c = await client(h)
    c.ws.send(Buffer.from('{"type":"ping"}'), { binary: true })
    expect(await c.next()).toMatchObject({ type: 'error', data: { code: 'invalid_message' } })
  })
})

const SYMBOL_CYCLE = ['BTC', 'ETH', 'ADA']
