import { afterEach, describe, expect, it } from 'vitest'
import { readFixture, startFakeBinance } from './index.js'
import type { FakeBinance, FakeBinanceOptions } from './index.js'
import { waitFor } from '@crypto-analyzer/test-support'
import { connect, handshakeStatus, subtract } from './test-support/client.js'
import type { TestClient } from './test-support/client.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function fake(options?: FakeBinanceOptions): Promise<FakeBinance> {
  const server = await startFakeBinance({ pingInterval: 0, tickInterval: 0, seed: 7, ...options })
  cleanup.push(() => server.close())
  return server
}

async function client(url: string, options?: Parameters<typeof connect>[1]): Promise<TestClient> {
  const c = await connect(url, options)
  cleanup.push(() => c.close())
  return c
}

const fixtureTicker = JSON.parse(readFixture('binance-ticker')[0]!) as Record<string, unknown>
const isId = (id: unknown) => (frame: Record<string, unknown>) => frame['id'] === id

describe('startFakeBinance', () => {
  it('acks SUBSCRIBE with the request id and streams tickers with every fixture field', async () => {
    const server = await fake({ tickInterval: 20 })
    const c = await client(server.url)
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker'], id: 1 })
    expect(await c.next(isId(1))).toEqual({ result: null, id: 1 })
    const ticker = await c.next((f) => f['e'] === '24hrTicker')

    expect(Object.keys(ticker)).toEqual(Object.keys(fixtureTicker))
    for (const [key, value] of Object.entries(fixtureTicker)) {
      expect(typeof ticker[key], key).toBe(typeof value)
    }
    for (const key of ['p', 'w', 'x', 'c', 'Q', 'b', 'B', 'a', 'A', 'o', 'h', 'l', 'v', 'q']) {
      expect(ticker[key], key).toMatch(/^-?\d+\.\d{8}$/)
    }
    expect(ticker['s']).toBe('BTCUSDT')
    expect(ticker['P']).toMatch(/^-?\d+\.\d{3}$/)
    expect(server.subscriptions()).toEqual(['btcusdt@ticker'])
    expect(server.requests).toEqual([{ method: 'SUBSCRIBE', params: ['btcusdt@ticker'], id: 1 }])
  })

  it('generates consistent values: p = c - o, P = p/o*100, n = L - F + 1, 24 h window', async () => {
    const server = await fake()
    const c = await client(server.url)
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker', 'dogebnb@ticker'], id: 1 })
    await c.next(isId(1))
    for (let i = 0; i < 20; i++) {
      server.emitTicker('btcusdt@ticker')
      server.emitTicker('dogebnb@ticker')
    }
    await waitFor(() => c.texts.length >= 41, '40 tickers')
    const tickers = c.json().slice(1) as Record<string, unknown>[]
    for (const t of tickers) {
      const text = (key: string): string => t[key] as string
      const int = (key: string): number => t[key] as number
      const num = (key: string): number => Number(text(key))
      expect(text('p')).toBe(subtract(text('c'), text('o'), 8))
      expect(Math.abs(num('P') - (num('p') / num('o')) * 100)).toBeLessThanOrEqual(0.0005 + 1e-9)
      expect(int('n')).toBe(int('L') - int('F') + 1)
      expect(int('C') - int('O')).toBe(86_400_000)
      expect(num('l')).toBeLessThanOrEqual(num('c'))
      expect(num('c')).toBeLessThanOrEqual(num('h'))
      expect(num('l')).toBeLessThanOrEqual(num('w'))
      expect(num('w')).toBeLessThanOrEqual(num('h'))
      expect(num('b')).toBeLessThan(num('a'))
      expect([text('b'), text('a')]).toContain(text('c'))
    }
    const btc = tickers.filter((t) => t['s'] === 'BTCUSDT')
    expect(btc).toHaveLength(20)
    const price = (i: number): number => Number(btc[i]!['c'])
    expect(price(0)).toBeGreaterThan(50_000)
    expect(price(0)).toBeLessThan(100_000)
    for (let i = 1; i < btc.length; i++) {
      expect(btc[i]!['L'] as number).toBeGreaterThan(btc[i - 1]!['L'] as number)
      // Bounded moves: well under 1 % per step.
      expect(Math.abs(price(i) / price(i - 1) - 1)).toBeLessThan(0.01)
    }
  })

  it('produces the same frames for the same seed', async () => {
    const clock = { now: () => 1_700_000_000_000 }
    const frames: string[][] = []
    for (let run = 0; run < 2; run++) {
      const server = await fake({ seed: 42, clock })
      const c = await client(server.url)
      c.send({ method: 'SUBSCRIBE', params: ['ethusdt@ticker', 'ethusdt@bookTicker'], id: 1 })
      await c.next(isId(1))
      server.emitTicker('ethusdt@ticker')
      server.emitTicker('ethusdt@bookTicker')
      await waitFor(() => c.texts.length === 3, 'two frames')
      frames.push(c.texts.slice(1))
    }
    expect(frames[0]).toEqual(frames[1])
    const other = await fake({ seed: 43, clock })
    const c = await client(other.url)
    c.send({ method: 'SUBSCRIBE', params: ['ethusdt@ticker'], id: 1 })
    await c.next(isId(1))
    other.emitTicker('ethusdt@ticker')
    await waitFor(() => c.texts.length === 2, 'a frame')
    expect(c.texts[1]).not.toEqual(frames[0]![0])
  })

  it('answers LIST_SUBSCRIPTIONS and UNSUBSCRIBE', async () => {
    const server = await fake()
    const c = await client(server.url)
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker', 'ethusdt@miniTicker'], id: 1 })
    c.send({ method: 'UNSUBSCRIBE', params: ['btcusdt@ticker'], id: 312 })
    c.send({ method: 'LIST_SUBSCRIPTIONS', id: 3 })
    expect(await c.next(isId(312))).toEqual({ result: null, id: 312 })
    expect(await c.next(isId(3))).toEqual({ result: ['ethusdt@miniTicker'], id: 3 })
    expect(server.subscriptions()).toEqual(['ethusdt@miniTicker'])
  })

  it('emits miniTicker and bookTicker in their fixture shapes', async () => {
    const server = await fake()
    const c = await client(server.url)
    c.send({ method: 'SUBSCRIBE', params: ['bnbbtc@miniTicker', 'bnbbtc@bookTicker'], id: 1 })
    await c.next(isId(1))
    server.emitTicker('bnbbtc@miniTicker')
    server.emitTicker('bnbbtc@bookTicker')
    const mini = await c.next((f) => f['e'] === '24hrMiniTicker')
    const book = await c.next((f) => 'u' in f)
    const fixtureMini = JSON.parse(readFixture('binance-miniTicker')[0]!) as object
    const fixtureBook = JSON.parse(readFixture('binance-bookTicker')[0]!) as object
    expect(Object.keys(mini)).toEqual(Object.keys(fixtureMini))
    expect(Object.keys(book)).toEqual(Object.keys(fixtureBook))
    expect(book['s']).toBe('BNBBTC')
  })

  it('rejects unknown, uppercase and rejectSymbols streams with the wire error shape', async () => {
    const server = await fake({ maxIncomingPerSecond: 0 })
    server.rejectSymbols(['ETHUSDT'])
    const c = await client(server.url)
    const invalid = { code: 2, msg: 'Invalid request: invalid stream' }
    c.send({ method: 'SUBSCRIBE', params: ['xyzusdt@ticker'], id: 2 })
    c.send({ method: 'SUBSCRIBE', params: ['BTCUSDT@ticker'], id: 3 })
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker', 'ethusdt@ticker'], id: 4 })
    expect(await c.next(isId(2))).toEqual({ error: invalid, id: 2 })
    expect(await c.next(isId(3))).toEqual({ error: invalid, id: 3 })
    expect(await c.next(isId(4))).toEqual({ error: invalid, id: 4 })
    // A rejected request subscribes nothing.
    expect(server.subscriptions()).toEqual([])
    server.rejectSymbols([])
    c.send({ method: 'SUBSCRIBE', params: ['ethusdt@ticker'], id: 5 })
    expect(await c.next(isId(5))).toEqual({ result: null, id: 5 })
  })

  it('replies to malformed requests with Binance error codes', async () => {
    const server = await fake({ maxIncomingPerSecond: 0 })
    const c = await client(server.url)
    c.send('{not json')
    const json = await c.next((f) => (f['error'] as { code?: number } | undefined)?.code === 3)
    expect(json['id']).toBeNull()
    expect((json['error'] as { msg: string }).msg).toMatch(/^Invalid JSON: /)

    c.send('{"params":["btcusdt@ticker"],"id":7}')
    expect(await c.next(isId(7))).toEqual({
      error: { code: 2, msg: 'Invalid request: missing field `method` at line 1 column 36' },
      id: 7,
    })
    c.send({ method: 'subscribe', params: [], id: 8 })
    const unknown = await c.next(isId(8))
    expect((unknown['error'] as { msg: string }).msg).toMatch(/unknown variant `subscribe`/)
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker'], id: { x: 1 } })
    expect(
      await c.next((f) => f['id'] === null && (f['error'] as { code: number }).code === 2),
    ).toEqual({
      error: { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' },
      id: null,
    })
    c.send({ method: 'SUBSCRIBE', params: 'btcusdt@ticker', id: 9 })
    expect(await c.next(isId(9))).toEqual({
      error: { code: 1, msg: 'Invalid value type: expected Array' },
      id: 9,
    })
    c.send({ method: 'SET_PROPERTY', params: ['combined', 'yes'], id: 10 })
    expect(await c.next(isId(10))).toEqual({
      error: { code: 1, msg: 'Invalid value type: expected Boolean' },
      id: 10,
    })
    c.send({ method: 'SET_PROPERTY', params: ['colour', true], id: 11 })
    expect(await c.next(isId(11))).toEqual({ error: { code: 0, msg: 'Unknown property' }, id: 11 })
    c.send({ method: 'LIST_SUBSCRIPTIONS', params: ['x'], id: 'abc' })
    expect(await c.next(isId('abc'))).toEqual({
      error: { code: 2, msg: 'Invalid request: too many parameters' },
      id: 'abc',
    })
    expect(c.isClosed()).toBe(false)
  })

  it('refuses more streams than maxStreamsPerConnection', async () => {
    const server = await fake({ maxStreamsPerConnection: 2 })
    const c = await client(server.url)
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker', 'ethusdt@ticker'], id: 1 })
    c.send({ method: 'SUBSCRIBE', params: ['solusdt@ticker'], id: 2 })
    expect(await c.next(isId(2))).toEqual({
      error: { code: 4, msg: 'Too many subscriptions' },
      id: 2,
    })
    expect(server.subscriptions()).toEqual(['btcusdt@ticker', 'ethusdt@ticker'])
  })

  it('closes with 1008 when a client sends more than maxIncomingPerSecond messages', async () => {
    const server = await fake({ maxIncomingPerSecond: 5 })
    const c = await client(server.url)
    for (let i = 1; i <= 6; i++) c.send({ method: 'LIST_SUBSCRIPTIONS', id: i })
    expect(await c.closed).toEqual({ code: 1008, reason: 'Too many requests' })
    await waitFor(() => server.connectionCount === 0, 'the server to drop the peer')
  })

  it('sends ping frames and drops a client that never pongs', async () => {
    // Pongs count against the message rate limit, so lift it for this fast ping rate.
    const server = await fake({ pingInterval: 30, pongTimeout: 400, maxIncomingPerSecond: 0 })
    const good = await client(server.url)
    const silent = await client(server.url, { autoPong: false })
    await waitFor(() => silent.isClosed(), 'the silent client to be dropped')
    expect((await silent.closed).code).toBe(1006)
    expect(silent.pings.length).toBeGreaterThanOrEqual(2)
    expect(silent.pings[0]!.toString()).toMatch(/^\d+$/)
    // The ponging client saw as many pings and is still there.
    await waitFor(() => good.pings.length >= silent.pings.length + 2, 'more pings')
    expect(good.isClosed()).toBe(false)
    expect(server.connectionCount).toBe(1)
  })

  it('serves /ws/<stream> and the combined /stream endpoint with its wrapper', async () => {
    const server = await fake()
    const raw = await client(`ws://127.0.0.1:${server.port}/ws/btcusdt@ticker`)
    const combined = await client(
      `ws://127.0.0.1:${server.port}/stream?streams=btcusdt@ticker/ethusdt@bookTicker`,
    )
    await waitFor(() => server.connectionCount === 2, 'two connections')
    server.emitTicker('btcusdt@ticker')
    server.emitTicker('ethusdt@bookTicker')
    const plain = await raw.next((f) => f['e'] === '24hrTicker')
    expect(plain['s']).toBe('BTCUSDT')
    const wrapped = await combined.next((f) => f['stream'] === 'ethusdt@bookTicker')
    expect(Object.keys(wrapped)).toEqual(['stream', 'data'])
    expect((wrapped['data'] as Record<string, unknown>)['s']).toBe('ETHUSDT')
    expect(raw.texts).toHaveLength(1)

    combined.send({ method: 'GET_PROPERTY', params: ['combined'], id: 2 })
    expect(await combined.next(isId(2))).toEqual({ result: true, id: 2 })
    raw.send({ method: 'SET_PROPERTY', params: ['combined', true], id: 5 })
    expect(await raw.next(isId(5))).toEqual({ result: null, id: 5 })
    server.emitTicker('btcusdt@ticker')
    expect((await raw.next((f) => f['stream'] === 'btcusdt@ticker'))['data']).toMatchObject({
      s: 'BTCUSDT',
    })
  })

  it('refuses unknown paths (404) and unknown URL streams (400)', async () => {
    const server = await fake()
    expect(await handshakeStatus(`ws://127.0.0.1:${server.port}/nope`)).toBe(404)
    expect(await handshakeStatus(`ws://127.0.0.1:${server.port}/ws/xyzusdt@ticker`)).toBe(400)
  })

  it('applies emitTicker overrides and removes fields set to undefined', async () => {
    const server = await fake()
    const c = await client(server.url)
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker'], id: 1 })
    await c.next(isId(1))
    server.emitTicker('BTCUSDT', { c: 'not-a-number', Q: undefined })
    const frame = await c.next((f) => f['e'] === '24hrTicker')
    expect(frame['c']).toBe('not-a-number')
    expect('Q' in frame).toBe(false)
    expect(() => {
      server.emitTicker('xyzusdt@ticker')
    }).toThrow(/not a stream of a listed market/)
  })

  it('sends serverShutdown, wrapped on combined connections', async () => {
    const server = await fake({ clock: { now: () => 1_770_123_456_789 } })
    const raw = await client(server.url)
    const combined = await client(`ws://127.0.0.1:${server.port}/stream?streams=btcusdt@ticker`)
    await waitFor(() => server.connectionCount === 2, 'two connections')
    server.serverShutdown()
    expect(await raw.next((f) => f['e'] === 'serverShutdown')).toEqual(
      JSON.parse(readFixture('binance-control')[4]!),
    )
    expect(await combined.next((f) => f['stream'] === '!serverShutdown')).toEqual({
      stream: '!serverShutdown',
      data: { e: 'serverShutdown', E: 1_770_123_456_789 },
    })
  })

  it('validates options with an error naming the fix', async () => {
    await expect(startFakeBinance({ markets: ['btcusdt'] })).rejects.toThrow(/native form/)
    await expect(startFakeBinance({ tickInterval: -1 })).rejects.toThrow(/tickInterval/)
    await expect(startFakeBinance({ port: 70_000 })).rejects.toThrow(/port must be an integer/)
    await expect(startFakeBinance({ startPrices: { XYZUSDT: '1' } })).rejects.toThrow(
      /not a listed market/,
    )
    await expect(startFakeBinance({ startPrices: { BTCUSDT: '1e5' } })).rejects.toMatchObject({
      reason: 'invalid-options',
      code: 'INVALID_CONFIG',
    })
  })

  it('starts at the given startPrices', async () => {
    const server = await fake({ startPrices: { BTCUSDT: '70000.00' }, markets: ['BTCUSDT'] })
    const c = await client(server.url)
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker'], id: 1 })
    await c.next(isId(1))
    server.emitTicker('btcusdt@ticker')
    expect((await c.next((f) => f['e'] === '24hrTicker'))['o']).toBe('70000.00000000')
  })
})
