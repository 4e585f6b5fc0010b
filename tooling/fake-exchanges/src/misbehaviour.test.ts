import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startFakeBinance, startFakeCoinbase } from './index.js'
import type { FakeBinance, FakeCoinbase } from './index.js'
import { sleep, waitFor } from '@crypto-analyzer/test-support'
import { connect, drain } from './test-support/client.js'
import type { TestClient } from './test-support/client.js'

interface Timing {
  tickInterval?: number
  keepalive?: number
}

/** What the shared tests need to know about one exchange. */
interface Venue {
  name: string
  start(timing?: Timing): Promise<FakeBinance | FakeCoinbase>
  subscribe(client: TestClient): Promise<void>
  emit(server: FakeBinance | FakeCoinbase): void
  isData(frame: Record<string, unknown>): boolean
  /** Keepalive traffic seen so far (Binance ping frames, Coinbase heartbeats). */
  keepalives(client: TestClient): number
}

const venues: Venue[] = [
  {
    name: 'binance',
    start: (timing) =>
      startFakeBinance({
        tickInterval: timing?.tickInterval ?? 0,
        pingInterval: timing?.keepalive ?? 0,
        maxIncomingPerSecond: 0,
        seed: 1,
      }),
    subscribe: async (c) => {
      c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker'], id: 1 })
      await c.next((f) => f['id'] === 1)
    },
    emit: (server) => {
      server.emitTicker('btcusdt@ticker')
    },
    isData: (f) => f['e'] === '24hrTicker',
    keepalives: (c) => c.pings.length,
  },
  {
    name: 'coinbase',
    start: (timing) =>
      startFakeCoinbase({
        tickInterval: timing?.tickInterval ?? 0,
        heartbeatInterval: timing?.keepalive ?? 0,
        seed: 1,
      }),
    subscribe: async (c) => {
      c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['ticker', 'heartbeat'] })
      // The replayed last trade follows the ack.
      await c.next((f) => f['type'] === 'ticker')
    },
    emit: (server) => {
      server.emitTicker('BTC-USD')
    },
    isData: (f) => f['type'] === 'ticker',
    keepalives: (c) =>
      c.json().filter((f) => (f as Record<string, unknown>)['type'] === 'heartbeat').length,
  },
]

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

const dataCount = (venue: Venue, c: TestClient): number =>
  c.json().filter((f) => venue.isData(f as Record<string, unknown>)).length

async function refused(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url)
    ws.on('open', () => {
      ws.terminate()
      resolve(false)
    })
    ws.on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED')
    })
  })
}

describe.each(venues)('$name misbehaviour', (venue) => {
  async function setup(timing?: Timing, options?: WebSocket.ClientOptions) {
    const server = await venue.start(timing)
    cleanup.push(() => server.close())
    const c = await connect(server.url, options)
    cleanup.push(() => c.close())
    await venue.subscribe(c)
    return { server, c }
  }

  it('drops every socket without a close frame when closeAll() has no code', async () => {
    const { server, c } = await setup()
    server.closeAll()
    expect((await c.closed).code).toBe(1006)
    await waitFor(() => server.connectionCount === 0, 'no connections')
    // Still listening: clients can reconnect.
    const again = await connect(server.url)
    cleanup.push(() => again.close())
    expect(server.connectionCount).toBe(1)
  })

  it('closes with the given code and reason when closeAll(code) is called', async () => {
    const { server, c } = await setup()
    server.closeAll(4000, 'bye')
    expect(await c.closed).toEqual({ code: 4000, reason: 'bye' })
    expect(() => {
      server.closeAll(1006)
    }).toThrow(/3000-4999/)
  })

  it('sends nothing at all while stalled and holds new handshakes until resume', async () => {
    const { server, c } = await setup({ tickInterval: 10, keepalive: 20 })
    await waitFor(() => dataCount(venue, c) >= 3 && venue.keepalives(c) >= 1, 'traffic')
    const marker = 'before stall'
    server.sendRaw(marker)
    server.stall()
    await waitFor(() => c.texts.includes(marker), 'frames sent before the stall')
    const frames = c.texts.length
    const keepalives = venue.keepalives(c)
    let opened = false
    const late = new WebSocket(server.url)
    late.on('error', () => undefined)
    late.on('open', () => (opened = true))
    server.sendRaw('during stall')
    server.emitTicker(venue.name === 'binance' ? 'btcusdt@ticker' : 'BTC-USD')
    await sleep(150)
    expect(c.texts.length).toBe(frames)
    expect(venue.keepalives(c)).toBe(keepalives)
    expect(c.isClosed()).toBe(false)
    expect(opened).toBe(false)

    c.send(venue.name === 'binance' ? { method: 'LIST_SUBSCRIPTIONS', id: 9 } : { type: 'x' })
    await sleep(50)
    expect(c.texts.length).toBe(frames)

    server.resume()
    // The request sent during the stall is answered after it.
    await c.next((f) => f['id'] === 9 || f['type'] === 'error', frames)
    await waitFor(() => opened, 'the held handshake to complete')
    await waitFor(() => dataCount(venue, c) > frames, 'data after resume')
    expect(c.texts).not.toContain('during stall')
    late.terminate()
  })

  it('keeps keepalives but sends no market data in pingOnly mode', async () => {
    const { server, c } = await setup({ tickInterval: 10, keepalive: 15 })
    await waitFor(() => dataCount(venue, c) >= 2, 'data')
    server.pingOnly(true)
    await drain(server, c)
    const data = dataCount(venue, c)
    const keepalives = venue.keepalives(c)
    await waitFor(() => venue.keepalives(c) >= keepalives + 4, 'more keepalives')
    expect(dataCount(venue, c)).toBe(data)
    server.pingOnly(false)
    await waitFor(() => dataCount(venue, c) > data, 'data again')
  })

  it('sends raw malformed text and binary frames as is', async () => {
    const { server, c } = await setup()
    server.sendRaw('{"unterminated')
    server.sendRaw(Buffer.from([1, 2, 3]))
    await waitFor(() => c.binaries.length === 1, 'the binary frame')
    expect(c.texts.at(-1)).toBe('{"unterminated')
    expect([...c.binaries[0]!]).toEqual([1, 2, 3])
  })

  it('can send an oversize frame (the client fails it with 1009)', async () => {
    const { server, c } = await setup(undefined, { maxPayload: 64 * 1024 })
    server.sendRaw(`{"big":"${'x'.repeat(100 * 1024)}"}`)
    await c.closed
    expect(c.errors).toEqual(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'])
  })

  it('can send invalid UTF-8 in a text frame (the client fails it with 1007)', async () => {
    const { server, c } = await setup()
    server.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    await c.closed
    expect(c.errors).toEqual(['WS_ERR_INVALID_UTF8'])
  })

  it('delays every outgoing frame in order when slow(ms) is set', async () => {
    const { server, c } = await setup()
    const before = c.texts.length
    server.slow(150)
    const started = Date.now()
    venue.emit(server)
    venue.emit(server)
    server.sendRaw('third')
    await waitFor(() => c.texts.length === before + 3, 'three delayed frames')
    // A lower bound only: the frames cannot arrive before the delay.
    expect(c.textTimes[before]! - started).toBeGreaterThanOrEqual(145)
    expect(c.texts.at(-1)).toBe('third')
    expect(venue.isData(JSON.parse(c.texts[before]!) as Record<string, unknown>)).toBe(true)
    server.slow(0)
    server.sendRaw('fast')
    await waitFor(() => c.texts.at(-1) === 'fast', 'an undelayed frame', 100)
  })

  it('bursts when setTickInterval shortens the period', async () => {
    const { server, c } = await setup()
    const before = dataCount(venue, c)
    await sleep(50)
    expect(dataCount(venue, c)).toBe(before)
    server.setTickInterval(5)
    await waitFor(() => dataCount(venue, c) >= before + 10, 'a burst of tickers')
    server.setTickInterval(0)
    await drain(server, c)
    const after = dataCount(venue, c)
    await sleep(50)
    expect(dataCount(venue, c)).toBe(after)
  })

  it('restarts on the same port, dropping clients and keeping the request log', async () => {
    const { server, c } = await setup()
    const port = server.port
    const requests = server.requests.length
    await server.restart()
    expect((await c.closed).code).toBe(1006)
    expect(server.port).toBe(port)
    expect(server.connectionCount).toBe(0)
    const again = await connect(server.url)
    cleanup.push(() => again.close())
    await venue.subscribe(again)
    expect(server.requests.length).toBe(requests + 1)
  })

  it('refuses connections during a restart downtime, and close() cuts the downtime short', async () => {
    const { server, c } = await setup()
    const restarting = server.restart({ downtime: 60_000 })
    await c.closed
    await waitFor(() => server.connectionCount === 0, 'the drop')
    expect(await refused(server.url)).toBe(true)
    await server.close()
    await restarting
    expect(await refused(server.url)).toBe(true)
  })

  it('listens again after the downtime', async () => {
    const { server } = await setup()
    const port = server.port
    await server.restart({ downtime: 30 })
    expect(server.port).toBe(port)
    const again = await connect(server.url)
    cleanup.push(() => again.close())
    await venue.subscribe(again)
  })

  it('frees the port and every connection on close()', async () => {
    const server = await venue.start({ tickInterval: 5, keepalive: 5 })
    const c = await connect(server.url)
    await venue.subscribe(c)
    await server.close()
    await server.close()
    expect((await c.closed).code).toBe(1006)
    expect(server.connectionCount).toBe(0)
    await expect(server.restart()).rejects.toMatchObject({ reason: 'closed' })
    const probe = createServer()
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject)
      probe.listen(server.port, '127.0.0.1', resolve)
    })
    await new Promise<void>((resolve) =>
      probe.close(() => {
        resolve()
      }),
    )
  })
})
