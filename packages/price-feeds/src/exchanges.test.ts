import { formatDecimal } from '@crypto-analyzer/core-events'
import { startFakeBinance, startFakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import type { FakeBinance, FakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import { afterEach, describe, expect, it } from 'vitest'
import { FeedError } from './index.js'
import type { PriceFeedManager } from './index.js'
import { harness } from './test-support/harness.js'
import { waitFor } from '@crypto-analyzer/test-support'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function binance(options: Parameters<typeof startFakeBinance>[0] = {}): Promise<FakeBinance> {
  const server = await startFakeBinance({ tickInterval: 50, seed: 1, ...options })
  cleanup.push(() => server.close())
  return server
}

async function coinbase(
  options: Parameters<typeof startFakeCoinbase>[0] = {},
): Promise<FakeCoinbase> {
  const server = await startFakeCoinbase({ tickInterval: 50, seed: 2, ...options })
  cleanup.push(() => server.close())
  return server
}

const managed = (manager: PriceFeedManager): PriceFeedManager => {
  cleanup.push(() => manager.stop())
  return manager
}

describe('binance provider', () => {
  it('subscribes all streams in one SUBSCRIBE and streams normalized tickers under the base symbol', async () => {
    const server = await binance()
    const h = harness({ urls: { binance: server.url } })
    managed(h.manager).addProvider('binance', ['btc', 'ETH'])
    await h.manager.start()
    await waitFor(() => h.of('BTC').length >= 2 && h.of('ETH').length >= 2, 'tickers')
    expect(server.requests[0]).toEqual({
      method: 'SUBSCRIBE',
      params: ['btcusdt@ticker', 'ethusdt@ticker'],
      id: 1,
    })
    expect(server.requests).toHaveLength(1)
    expect(h.updates.every((u) => u.source === 'binance')).toBe(true)

    server.emitTicker('btcusdt@ticker', {
      c: '65000.123456789012345678',
      p: '-12.5',
      P: '-0.019',
      v: '12345.00000001',
    })
    await waitFor(
      () => h.of('BTC').some((u) => u.price.equals('65000.123456789012345678')),
      'exact ticker',
    )
    const exact = h.of('BTC').find((u) => u.price.equals('65000.123456789012345678'))
    expect(exact && formatDecimal(exact.price)).toBe('65000.123456789012345678')
    expect(exact && formatDecimal(exact.change24h)).toBe('-12.5')
    expect(exact && formatDecimal(exact.changePercent24h)).toBe('-0.019')
    expect(exact && formatDecimal(exact.volume24h)).toBe('12345.00000001')
    expect(h.manager.getLatest('BTC')?.source).toBe('binance')
    const status = h.manager.getStatus().providers[0]
    expect(status).toMatchObject({ provider: 'binance', state: 'connected', droppedFrames: 0 })
    expect(status?.messagesReceived).toBeGreaterThan(3)
    expect(h.statuses.map((s) => s.state)).toEqual(['connecting', 'connected'])
  })

  it('uses the quote option for the stream names', async () => {
    const server = await binance()
    const h = harness({ urls: { binance: server.url }, quote: 'btc' })
    managed(h.manager).addProvider('binance', ['BNB'])
    await h.manager.start()
    await waitFor(() => h.of('BNB').length > 0, 'BNBBTC ticker')
    expect(server.subscriptions()).toEqual(['bnbbtc@ticker'])
  })

  it('drops and counts malformed frames of every kind and goes on', async () => {
    const server = await binance({ tickInterval: 0 })
    const h = harness({ urls: { binance: server.url } })
    managed(h.manager).addProvider('binance', ['BTC'])
    await h.manager.start()
    await waitFor(() => server.subscriptions().length === 1, 'subscription')
    const good = {
      e: '24hrTicker',
      E: Date.now(),
      s: 'BTCUSDT',
      p: '1',
      P: '0.1',
      c: '100',
      v: '5',
      b: '99',
      a: '101',
    }
    const bad = [
      'not json',
      '{"e":"24hrTicker"',
      '"just a string"',
      'null',
      JSON.stringify({ ...good, c: 100 }), // number where a string belongs
      JSON.stringify({ ...good, c: '-100' }), // negative price
      JSON.stringify({ ...good, c: '0' }), // zero price
      JSON.stringify({ ...good, v: '-1' }), // negative volume
      JSON.stringify({ ...good, p: undefined }), // missing change
      JSON.stringify({ ...good, E: 'yesterday' }), // wrong-typed time
      JSON.stringify({ ...good, s: 'FOOUSDT' }), // market not subscribed
      JSON.stringify({ stream: 'btcusdt@ticker', data: 'x' }),
    ]
    for (const frame of bad) server.sendRaw(frame)
    server.sendRaw(JSON.stringify({ ...good, c: '123.45' }))
    await waitFor(() => h.of('BTC').length === 1, 'the good frame after the bad ones')
    expect(formatDecimal(h.updates[0]?.price ?? h.updates[0]!.price)).toBe('123.45')
    expect(h.manager.getStatus().providers[0]?.droppedFrames).toBe(bad.length)
    expect(h.errors).toEqual([])
  })

  it('reports a rejected symbol as FeedError with the exchange message and keeps the others', async () => {
    const server = await binance({ markets: ['BTCUSDT', 'ETHUSDT', 'ADAUSDT', 'DOTUSDT'] })
    server.rejectSymbols(['ethusdt@ticker'])
    const h = harness({ urls: { binance: server.url } })
    // ETH is refused by rejectSymbols, XYZ is not listed at all.
    managed(h.manager).addProvider('binance', ['BTC', 'ETH', 'ADA', 'XYZ', 'DOT'])
    await h.manager.start()
    await waitFor(() => h.errors.length === 2, 'two rejections')
    await waitFor(() => ['BTC', 'ADA', 'DOT'].every((s) => h.of(s).length > 0), 'the others')
    for (const error of h.errors) {
      expect(error).toBeInstanceOf(FeedError)
      expect(error).toMatchObject({
        reason: 'subscription-rejected',
        code: 'SUBSCRIPTION_REJECTED',
        provider: 'binance',
      })
      expect(error.message).toContain('Invalid request: invalid stream')
    }
    expect(h.errors.map((e) => e.symbol).sort()).toEqual(['ETH', 'XYZ'])
    expect(server.subscriptions().sort()).toEqual([
      'adausdt@ticker',
      'btcusdt@ticker',
      'dotusdt@ticker',
    ])
    expect(h.manager.getStatus().providers[0]?.unavailableSymbols.sort()).toEqual(['ETH', 'XYZ'])
    expect(h.of('ETH')).toEqual([])
  })

  it('closes its connection when the exchange rejects every symbol', async () => {
    const server = await binance()
    const h = harness({ urls: { binance: server.url } })
    managed(h.manager).addProvider('binance', ['XYZ', 'QQQ'])
    await h.manager.start()
    await waitFor(() => h.errors.length === 2, 'both rejections')
    await waitFor(() => h.statuses.at(-1)?.state === 'stopped', 'the stopped status')
    await waitFor(() => server.connectionCount === 0, 'the socket closed')
    expect(h.statuses.at(-1)).toMatchObject({
      provider: 'binance',
      reason: 'binance rejected every symbol',
    })
    expect(h.manager.getStatus().providers[0]).toMatchObject({ state: 'stopped', reconnects: 0 })
    expect(h.manager.getStatus().providers[0]?.messagesReceived).toBeGreaterThan(0)
  })

  it('resubscribes after the connection drops', async () => {
    const server = await binance()
    const h = harness({ urls: { binance: server.url } })
    managed(h.manager).addProvider('binance', ['BTC'])
    await h.manager.start()
    await waitFor(() => h.of('BTC').length > 0, 'first ticker')
    server.closeAll()
    await waitFor(() => server.requests.length === 2, 'a second SUBSCRIBE')
    const count = h.of('BTC').length
    await waitFor(() => h.of('BTC').length > count + 2, 'tickers after the reconnect')
    expect(server.requests[1]).toMatchObject({ method: 'SUBSCRIBE', params: ['btcusdt@ticker'] })
    expect(h.manager.getStatus().providers[0]?.reconnects).toBeGreaterThanOrEqual(1)
    const retrying = h.statuses.find((s) => s.state === 'reconnecting')
    expect(retrying?.retryInMs).toBeGreaterThanOrEqual(0)
    expect(retrying?.retryInMs).toBeLessThanOrEqual(1000)
  })

  it('reconnects at once on serverShutdown', async () => {
    const server = await binance()
    const h = harness({ urls: { binance: server.url }, stream: { reconnectDelay: 5000 } })
    managed(h.manager).addProvider('binance', ['BTC'])
    await h.manager.start()
    await waitFor(() => h.of('BTC').length > 0, 'first ticker')
    server.serverShutdown()
    await waitFor(() => server.requests.length === 2, 'resubscribe after serverShutdown')
    expect(h.manager.getStatus().providers[0]?.reconnects).toBe(1)
  })

  it('streams from a combined-stream URL too', async () => {
    const server = await binance()
    const h = harness({ urls: { binance: server.url.replace(/\/ws$/, '/stream') } })
    managed(h.manager).addProvider('binance', ['ETH'])
    await h.manager.start()
    await waitFor(() => h.of('ETH').length > 1, 'wrapped tickers')
    expect(h.manager.getStatus().providers[0]?.droppedFrames).toBe(0)
  })
})

describe('coinbase provider', () => {
  it('subscribes ticker and heartbeat on open and derives change from open_24h', async () => {
    const server = await coinbase({ tickInterval: 0 })
    const h = harness({ urls: { coinbase: server.url } })
    managed(h.manager).addProvider('coinbase', ['BTC', 'ETH'])
    await h.manager.start()
    await waitFor(() => server.subscriptions().length === 2, 'subscriptions')
    expect(server.requests[0]).toEqual({
      type: 'subscribe',
      product_ids: ['BTC-USD', 'ETH-USD'],
      channels: ['ticker', 'heartbeat'],
    })
    const before = h.of('ETH').length
    server.emitTicker('ETH-USD', { price: '3210.55', open_24h: '3100.10', volume_24h: '1234.5678' })
    await waitFor(() => h.of('ETH').length > before, 'the ETH ticker')
    const update = h.of('ETH').at(-1)
    expect(update && formatDecimal(update.price)).toBe('3210.55')
    expect(update && formatDecimal(update.change24h)).toBe('110.45')
    // 110.45 / 3100.10 × 100 = 3.56278829…
    expect(update && formatDecimal(update.changePercent24h)).toBe('3.5628')
    expect(update && formatDecimal(update.volume24h)).toBe('1234.5678')
    expect(update?.source).toBe('coinbase')
  })

  it('drops and counts malformed and oversize frames and goes on', async () => {
    const server = await coinbase({ tickInterval: 0 })
    const h = harness({ urls: { coinbase: server.url }, stream: { maxMessageSize: 2048 } })
    managed(h.manager).addProvider('coinbase', ['BTC'])
    await h.manager.start()
    await waitFor(() => server.subscriptions().length === 1, 'subscription')
    const eventTime = Date.now() + 60_000 // after the ticker the fake replays on subscribe
    const good = {
      type: 'ticker',
      sequence: 9_100_000_000_000,
      product_id: 'BTC-USD',
      price: '100.5',
      open_24h: '100',
      volume_24h: '10',
      time: `${new Date(eventTime).toISOString().slice(0, -1)}456Z`, // microseconds, like Coinbase
    }
    const bad = [
      '{"type":"ticker"',
      '[1,2]',
      '{"price":"1"}', // no type
      JSON.stringify({ ...good, price: 100.5 }),
      JSON.stringify({ ...good, price: '-100.5' }),
      JSON.stringify({ ...good, volume_24h: '-1' }),
      JSON.stringify({ ...good, open_24h: undefined }),
      JSON.stringify({ ...good, time: 'now' }),
      JSON.stringify({ ...good, sequence: '5' }),
      JSON.stringify({ ...good, product_id: 'BTC-EUR' }),
      JSON.stringify({ ...good, padding: 'x'.repeat(4000) }), // oversize: dropped by the stream
    ]
    for (const frame of bad) server.sendRaw(frame)
    server.sendRaw(JSON.stringify(good))
    await waitFor(() => h.of('BTC').some((u) => u.price.equals('100.5')), 'the good frame')
    const update = h.of('BTC').find((u) => u.price.equals('100.5'))
    expect(update && formatDecimal(update.changePercent24h)).toBe('0.5')
    expect(update?.timestamp).toBe(eventTime)
    expect(h.manager.getStatus().providers[0]?.droppedFrames).toBe(bad.length)
    expect(h.errors).toEqual([])
  })

  it('discards a ticker whose sequence is not above the last one', async () => {
    const server = await coinbase({ tickInterval: 0 })
    const h = harness({ urls: { coinbase: server.url } })
    managed(h.manager).addProvider('coinbase', ['BTC'])
    await h.manager.start()
    await waitFor(() => server.subscriptions().length === 1, 'subscription')
    // One event time for all: the sequence alone decides (after the replayed subscribe ticker).
    const time = `${new Date(Date.now() + 60_000).toISOString().slice(0, -1)}456Z`
    server.emitTicker('BTC-USD', { sequence: 9_000_000_000_000, price: '100', time })
    await waitFor(() => h.of('BTC').some((u) => u.price.equals(100)), 'the high sequence')
    server.emitTicker('BTC-USD', { sequence: 8_999_999_999_999, price: '99', time })
    server.emitTicker('BTC-USD', { sequence: 9_000_000_000_000, price: '98', time })
    server.emitTicker('BTC-USD', { sequence: 9_000_000_000_001, price: '101', time })
    await waitFor(() => h.of('BTC').some((u) => u.price.equals(101)), 'the next sequence')
    expect(h.of('BTC').filter((u) => u.price.lessThan(100))).toEqual([])
    expect(h.manager.getStatus().providers[0]?.outOfOrder).toBe(2)
  })

  it('recovers from a broken far-ahead sequence at the next newer ticker', async () => {
    const server = await coinbase({ tickInterval: 0 })
    const h = harness({ urls: { coinbase: server.url } })
    managed(h.manager).addProvider('coinbase', ['BTC'])
    await h.manager.start()
    await waitFor(() => server.subscriptions().length === 1, 'subscription')
    const at = (ms: number) => `${new Date(Date.now() + ms).toISOString().slice(0, -1)}456Z`
    server.emitTicker('BTC-USD', {
      sequence: Number.MAX_SAFE_INTEGER,
      price: '100',
      time: at(60_000),
    })
    await waitFor(() => h.of('BTC').some((u) => u.price.equals(100)), 'the broken frame')
    server.emitTicker('BTC-USD', { sequence: 9_000_000_000_000, price: '101', time: at(61_000) })
    server.emitTicker('BTC-USD', { sequence: 9_000_000_000_001, price: '102', time: at(62_000) })
    await waitFor(() => h.of('BTC').some((u) => u.price.equals(102)), 'the tickers after it')
    expect(h.of('BTC').map((u) => u.price.toNumber())).toContain(101)
  })

  it('reports a rejected product with the exchange reason and keeps the others', async () => {
    const server = await coinbase()
    server.rejectProducts(['ETH-USD'])
    const h = harness({ urls: { coinbase: server.url } })
    managed(h.manager).addProvider('coinbase', ['BTC', 'ETH', 'DOGE'])
    await h.manager.start()
    await waitFor(() => h.errors.length === 2, 'two rejections')
    await waitFor(() => h.of('BTC').length > 2, 'BTC tickers')
    expect(h.errors.map((e) => [e.reason, e.symbol]).sort()).toEqual([
      ['subscription-rejected', 'DOGE'],
      ['subscription-rejected', 'ETH'],
    ])
    expect(h.errors.find((e) => e.symbol === 'ETH')?.message).toBe(
      'coinbase rejected ETH (ETH-USD): Failed to subscribe: ETH-USD is not a valid product',
    )
    expect(server.subscriptions()).toEqual(['BTC-USD'])
  })

  it('surfaces an error frame about no symbol as an exchange-error', async () => {
    const server = await coinbase()
    const h = harness({ urls: { coinbase: server.url } })
    managed(h.manager).addProvider('coinbase', ['BTC'])
    await h.manager.start()
    await waitFor(() => h.of('BTC').length > 0, 'BTC')
    server.sendRaw('{"type":"error","message":"error message"}')
    await waitFor(() => h.errors.length === 1, 'the error')
    expect(h.errors[0]).toMatchObject({
      reason: 'exchange-error',
      provider: 'coinbase',
      message: 'coinbase: error message',
    })
    const count = h.of('BTC').length
    await waitFor(() => h.of('BTC').length > count, 'more tickers after the error')
  })

  it('resubscribes after a restart and closes its socket on stop', async () => {
    const server = await coinbase()
    const h = harness({ urls: { coinbase: server.url } })
    h.manager.addProvider('coinbase', ['BTC'])
    await h.manager.start()
    await waitFor(() => h.of('BTC').length > 0, 'BTC')
    await server.restart()
    await waitFor(() => server.requests.length === 2, 'the second subscribe')
    const count = h.of('BTC').length
    await waitFor(() => h.of('BTC').length > count, 'tickers after the restart')
    await h.manager.stop()
    await waitFor(() => server.connectionCount === 0, 'the socket closed')
    expect(h.statuses.at(-1)).toMatchObject({ provider: 'coinbase', state: 'stopped' })
    expect(h.manager.getStatus().providers[0]?.state).toBe('stopped')
  })
})

describe('two exchanges on one manager', () => {
  it("never hands one venue's frames to the other venue's adapter", async () => {
    const bn = await binance({ tickInterval: 0, pingInterval: 0 })
    const cb = await coinbase({ tickInterval: 0, heartbeatInterval: 0 })
    const h = harness({ urls: { binance: bn.url, coinbase: cb.url } })
    managed(h.manager).addProvider('binance', ['BTC'], { isPrimary: true })
    h.manager.addProvider('coinbase', ['BTC'])
    await h.manager.start()
    await waitFor(
      () => bn.subscriptions().length === 1 && cb.subscriptions().length === 1,
      'both subscribed',
    )
    // The replayed Coinbase ticker after subscribing is the last frame Coinbase sends unasked.
    await waitFor(
      () => (h.manager.getStatus().providers[1]?.messagesReceived ?? 0) >= 2,
      'the Coinbase ack and replay',
    )
    const counts = () =>
      h.manager.getStatus().providers.map((p) => [p.messagesReceived, p.droppedFrames])
    const received = (index: number): number =>
      h.manager.getStatus().providers[index]?.messagesReceived ?? 0
    const bnBefore = received(0)
    const cbBefore = received(1)
    const time = `${new Date(Date.now() + 60_000).toISOString().slice(0, -1)}456Z`
    // Each a valid frame of the other venue, sent on the wrong socket.
    bn.sendRaw(
      JSON.stringify({
        type: 'ticker',
        sequence: 9_000_000_000_000,
        product_id: 'BTC-USD',
        price: '4242',
        open_24h: '4000',
        volume_24h: '1',
        time,
      }),
    )
    cb.sendRaw(
      JSON.stringify({
        e: '24hrTicker',
        E: Date.now() + 60_000,
        s: 'BTCUSDT',
        p: '1',
        P: '0.1',
        c: '4343',
        v: '5',
      }),
    )
    await waitFor(
      () => received(0) === bnBefore + 1 && received(1) === cbBefore + 1,
      'one frame on each stream',
    )
    expect(h.updates.filter((u) => u.price.equals(4242) || u.price.equals(4343))).toEqual([])
    // Binance ignores a frame without `e`; Coinbase drops one without `type`: each judged only
    // by the venue whose socket it came on.
    expect(counts()).toEqual([
      [bnBefore + 1, 0],
      [cbBefore + 1, 1],
    ])
  })
})
