import { afterEach, describe, expect, it } from 'vitest'
import { readFixture, startFakeCoinbase } from './index.js'
import type { FakeCoinbase, FakeCoinbaseOptions } from './index.js'
import { sleep, waitFor } from '@crypto-analyzer/test-support'
import { connect } from './test-support/client.js'
import type { TestClient } from './test-support/client.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function fake(options?: FakeCoinbaseOptions): Promise<FakeCoinbase> {
  const server = await startFakeCoinbase({
    tickInterval: 0,
    heartbeatInterval: 0,
    seed: 11,
    ...options,
  })
  cleanup.push(() => server.close())
  return server
}

async function client(url: string): Promise<TestClient> {
  const c = await connect(url)
  cleanup.push(() => c.close())
  return c
}

const fixtureTicker = JSON.parse(readFixture('coinbase-exchange-ticker')[0]!) as Record<
  string,
  unknown
>
const fixtureHeartbeat = JSON.parse(readFixture('coinbase-exchange-heartbeat')[0]!) as object
const ofType = (type: string) => (frame: Record<string, unknown>) => frame['type'] === type
const RFC3339_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/

describe('startFakeCoinbase', () => {
  it('acks a subscribe and replays the last trade, then streams tickers with every fixture field', async () => {
    const server = await fake({ tickInterval: 20 })
    const connectedAt = Date.now()
    const c = await client(server.url)
    c.send({ type: 'subscribe', product_ids: ['ETH-USD', 'BTC-USD'], channels: ['ticker'] })
    expect(await c.next(ofType('subscriptions'))).toEqual({
      type: 'subscriptions',
      channels: [{ name: 'ticker', product_ids: ['ETH-USD', 'BTC-USD'] }],
    })
    const replay = await c.next(ofType('ticker'))
    expect(Date.parse(replay['time'] as string)).toBeLessThan(connectedAt)

    await waitFor(() => c.json().filter((f) => ofType('ticker')(f as never)).length >= 8, 'tickers')
    const tickers = c.json().filter((f) => ofType('ticker')(f as never)) as Record<
      string,
      unknown
    >[]
    for (const ticker of tickers) {
      expect(Object.keys(ticker)).toEqual(Object.keys(fixtureTicker))
      for (const [key, value] of Object.entries(fixtureTicker)) {
        expect(typeof ticker[key], key).toBe(typeof value)
      }
      for (const key of [
        'price',
        'open_24h',
        'low_24h',
        'high_24h',
        'best_bid',
        'best_ask',
        'last_size',
      ]) {
        // Prices and the trade size are printed without trailing zeros, like the real feed.
        expect(ticker[key], key).toMatch(/^\d+(\.\d*[1-9])?$/)
      }
      for (const key of ['volume_24h', 'volume_30d', 'best_bid_size', 'best_ask_size']) {
        expect(ticker[key], key).toMatch(/^\d+\.\d{8}$/)
      }
      expect(ticker['time']).toMatch(RFC3339_MICROS)
      expect(['buy', 'sell']).toContain(ticker['side'])
      expect(Number(ticker['best_bid'])).toBeLessThan(Number(ticker['best_ask']))
      expect(Number(ticker['low_24h'])).toBeLessThanOrEqual(Number(ticker['price']))
      expect(Number(ticker['price'])).toBeLessThanOrEqual(Number(ticker['high_24h']))
    }
    for (const product of ['BTC-USD', 'ETH-USD']) {
      const own = tickers.filter((t) => t['product_id'] === product)
      for (let i = 1; i < own.length; i++) {
        expect(own[i]!['sequence'] as number).toBeGreaterThan(own[i - 1]!['sequence'] as number)
        expect(own[i]!['trade_id'] as number).toBeGreaterThan(own[i - 1]!['trade_id'] as number)
        expect((own[i]!['time'] as string) > (own[i - 1]!['time'] as string)).toBe(true)
      }
    }
    const btc = Number(tickers.find((t) => t['product_id'] === 'BTC-USD')!['price'])
    expect(btc).toBeGreaterThan(50_000)
    expect(btc).toBeLessThan(100_000)
    expect(server.subscriptions().sort()).toEqual(['BTC-USD', 'ETH-USD'])
  })

  it('skips sequence numbers between tickers like the real ticker channel', async () => {
    const server = await fake()
    const c = await client(server.url)
    c.send({ type: 'subscribe', product_ids: ['SOL-USD'], channels: ['ticker'] })
    await c.next(ofType('ticker'))
    for (let i = 0; i < 30; i++) server.emitTicker('SOL-USD')
    await waitFor(() => c.texts.length >= 32, '30 tickers')
    const sequences = (c.json().slice(1) as Record<string, number>[]).map((t) => t['sequence']!)
    const gaps = sequences.slice(1).map((s, i) => s - sequences[i]!)
    expect(gaps.every((gap) => gap >= 1)).toBe(true)
    expect(gaps.some((gap) => gap > 1)).toBe(true)
  })

  it('keeps the subscriptions ack cumulative across subscribe and unsubscribe', async () => {
    const server = await fake()
    const c = await client(server.url)
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['ticker'] })
    await c.next(ofType('subscriptions'))
    const from = c.texts.length
    c.send({
      type: 'subscribe',
      product_ids: ['ETH-USD'],
      channels: ['heartbeat', { name: 'ticker', product_ids: ['SOL-USD'] }],
    })
    expect(await c.next(ofType('subscriptions'), from)).toEqual({
      type: 'subscriptions',
      channels: [
        { name: 'ticker', product_ids: ['BTC-USD', 'ETH-USD', 'SOL-USD'] },
        { name: 'heartbeat', product_ids: ['ETH-USD'] },
      ],
    })
    const after = c.texts.length
    c.send({ type: 'unsubscribe', channels: ['heartbeat'] })
    expect(await c.next(ofType('subscriptions'), after)).toEqual({
      type: 'subscriptions',
      channels: [{ name: 'ticker', product_ids: ['BTC-USD', 'ETH-USD', 'SOL-USD'] }],
    })
    const last = c.texts.length
    c.send({ type: 'unsubscribe', product_ids: ['BTC-USD'], channels: ['ticker'] })
    expect(await c.next(ofType('subscriptions'), last)).toEqual({
      type: 'subscriptions',
      channels: [{ name: 'ticker', product_ids: ['ETH-USD', 'SOL-USD'] }],
    })
    expect(server.requests).toHaveLength(4)
  })

  it('sends a heartbeat per subscribed product every heartbeatInterval', async () => {
    const server = await fake({ heartbeatInterval: 20 })
    const c = await client(server.url)
    c.send({ type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channels: ['heartbeat'] })
    await waitFor(
      () => c.json().filter((f) => ofType('heartbeat')(f as never)).length >= 6,
      'heartbeats',
    )
    const beats = c.json().filter((f) => ofType('heartbeat')(f as never)) as Record<
      string,
      unknown
    >[]
    for (const beat of beats) {
      expect(Object.keys(beat)).toEqual(Object.keys(fixtureHeartbeat))
      expect(beat['time']).toMatch(RFC3339_MICROS)
      expect(typeof beat['sequence']).toBe('number')
      expect(typeof beat['last_trade_id']).toBe('number')
    }
    expect(new Set(beats.map((b) => b['product_id']))).toEqual(new Set(['BTC-USD', 'ETH-USD']))
    // Heartbeats only: no tickers on this connection.
    expect(c.json().some((f) => ofType('ticker')(f as never))).toBe(false)
  })

  it('rejects unknown and rejected products but still subscribes the valid ones', async () => {
    const server = await fake()
    server.rejectProducts(['ETH-USD'])
    const c = await client(server.url)
    c.send({
      type: 'subscribe',
      product_ids: ['XYZ-USD', 'ETH-USD', 'BTC-USD'],
      channels: ['ticker'],
    })
    expect(await c.next(ofType('error'))).toEqual({
      type: 'error',
      message: 'Failed to subscribe',
      reason: 'XYZ-USD is not a valid product',
    })
    expect(await c.next((f) => f['reason'] === 'ETH-USD is not a valid product')).toMatchObject({
      type: 'error',
    })
    expect(await c.next(ofType('subscriptions'))).toEqual({
      type: 'subscriptions',
      channels: [{ name: 'ticker', product_ids: ['BTC-USD'] }],
    })
    expect(server.subscriptions()).toEqual(['BTC-USD'])
  })

  it('answers malformed requests and unsupported channels with error frames', async () => {
    const server = await fake()
    const c = await client(server.url)
    c.send('{oops')
    expect(await c.next(ofType('error'))).toEqual({ type: 'error', message: 'Malformed JSON' })
    c.send({ type: 'subscrbe', product_ids: ['BTC-USD'], channels: ['ticker'] })
    expect(
      await c.next((f) => f['reason'] === 'type has to be either subscribe or unsubscribe'),
    ).toBeTruthy()
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['level2'] })
    expect(
      await c.next(
        (f) => f['reason'] === 'level2, level3, and full channels now require authentication.',
      ),
    ).toMatchObject({ type: 'error', message: 'Failed to subscribe' })
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['tickr'] })
    expect(await c.next((f) => f['reason'] === 'tickr is not a valid channel')).toBeTruthy()
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'] })
    expect(await c.next((f) => f['reason'] === 'channels must be a non-empty array')).toBeTruthy()
  })

  it('closes a client that does not subscribe within subscribeDeadline', async () => {
    const server = await fake({ subscribeDeadline: 300 })
    const good = await client(server.url)
    good.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['ticker'] })
    await good.next(ofType('subscriptions'))
    const idle = await client(server.url)
    const failed = await client(server.url)
    failed.send({ type: 'subscribe', product_ids: ['NOPE-USD'], channels: ['ticker'] })
    expect(await idle.closed).toEqual({ code: 1008, reason: 'subscribe deadline exceeded' })
    // A subscribe that failed does not count.
    expect((await failed.closed).code).toBe(1008)
    await sleep(50)
    expect(good.isClosed()).toBe(false)
    expect(server.connectionCount).toBe(1)
  })

  it('produces the same tickers for the same seed', async () => {
    const texts: string[] = []
    for (let run = 0; run < 2; run++) {
      const server = await fake({ seed: 5, clock: { now: () => 1_700_000_000_000 } })
      const c = await client(server.url)
      c.send({ type: 'subscribe', product_ids: ['LINK-USD'], channels: ['ticker'] })
      await c.next(ofType('ticker'))
      server.emitTicker('LINK-USD')
      await waitFor(() => c.texts.length === 3, 'a ticker')
      texts.push(c.texts[2]!)
    }
    expect(texts[0]).toBe(texts[1])
  })

  it('applies emitTicker overrides and refuses unlisted products', async () => {
    const server = await fake()
    const c = await client(server.url)
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['ticker'] })
    await c.next(ofType('ticker'))
    server.emitTicker('BTC-USD', { price: '1.5', best_bid_size: undefined })
    const frame = await c.next((f) => f['price'] === '1.5')
    expect('best_bid_size' in frame).toBe(false)
    expect(() => {
      server.emitTicker('XYZ-USD')
    }).toThrow(/not a listed product/)
  })

  it('validates options with an error naming the fix', async () => {
    await expect(startFakeCoinbase({ products: ['BTCUSD'] })).rejects.toThrow(/native form/)
    await expect(startFakeCoinbase({ subscribeDeadline: Number.NaN })).rejects.toThrow(
      /subscribeDeadline/,
    )
    await expect(startFakeCoinbase({ products: ['BTC-USD', 'BTC-USD'] })).rejects.toThrow(/twice/)
  })
})
