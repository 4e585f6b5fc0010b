import { ManualClock, waitFor } from '@crypto-analyzer/test-support'
import { afterEach, describe, expect, it } from 'vitest'
import {
  TEST_START,
  connect,
  data,
  ofType,
  publishPrice,
  startServer,
} from './test-support/harness.js'
import type { Harness, TestClient } from './test-support/harness.js'

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

async function client(
  url: string,
  options: Parameters<typeof connect>[1] = {},
): Promise<TestClient> {
  const c = await connect(url, options)
  clients.push(c)
  return c
}

/** A client in `prices` that must keep receiving whatever the others do. */
async function bystander(h: Harness): Promise<() => Promise<void>> {
  const c = await client(h.wsUrl)
  c.send({ type: 'join_room', room: 'prices:LINK' })
  await c.next(ofType('room_joined'))
  let price = 1
  return async () => {
    price++
    publishPrice(h.bus, 'LINK', `${price}`)
    const update = await c.next(ofType('price_update'), `LINK ${price}`)
    expect(data(update)['price']).toBe(price)
  }
}

const status = async (url: string, headers: Record<string, string> = {}): Promise<number> =>
  (await fetch(url, { headers })).status

describe('ws-server abuse', () => {
  it('closes a client sending a 64 KiB frame with 1009 and keeps serving others', async () => {
    const h = await start()
    const stillServed = await bystander(h)
    const c = await client(h.wsUrl)
    c.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(64 * 1024) }))
    expect((await c.closed).code).toBe(1009)
    await stillServed()
    await waitFor(() => h.server.stats().closed.message_too_big === 1, 'the close to be counted')
  })

  it('accepts a frame of exactly 4 KiB', async () => {
    const h = await start()
    const c = await client(h.wsUrl)
    const frame = JSON.stringify({ type: 'ping', padding: '' })
    c.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(4096 - frame.length) }))
    expect((await c.next()).type).toBe('pong')
  })

  it('allows a burst of 40 messages, answers the 41st with rate_limited, closes with 1008 a second later', async () => {
    const clock = new ManualClock(TEST_START)
    const h = await start({ clock })
    const stillServed = await bystander(h)
    const c = await client(h.wsUrl)
    for (let index = 0; index < 40; index++) c.send({ type: 'ping' })
    const pongs = await c.collect(40, ofType('pong'))
    expect(pongs).toHaveLength(40)
    c.send({ type: 'ping' })
    const limited = await c.next(ofType('error'))
    expect(data(limited)['code']).toBe('rate_limited')
    // Still flooding within the grace second: ignored, not answered.
    clock.advance(500)
    for (let index = 0; index < 10; index++) c.send({ type: 'ping' })
    await stillServed()
    expect(c.messages.filter(ofType('pong'))).toHaveLength(40)
    expect(c.isClosed).toBe(false)
    clock.advance(500)
    c.send({ type: 'ping' })
    expect((await c.closed).code).toBe(1008)
    await stillServed()
    expect(h.server.stats().closed.rate_limited).toBe(1)
  })

  it('forgives a client that slows down after rate_limited', async () => {
    const clock = new ManualClock(TEST_START)
    const h = await start({ clock })
    const c = await client(h.wsUrl)
    for (let index = 0; index < 41; index++) c.send({ type: 'ping' })
    await c.next(ofType('error'))
    clock.advance(2500)
    c.send({ type: 'ping' })
    await c.collect(41, ofType('pong'))
    expect(c.isClosed).toBe(false)
  })

  it('closes a flood at 20+ messages per second sustained with 1008', async () => {
    const clock = new ManualClock(TEST_START)
    const h = await start({ clock })
    const c = await client(h.wsUrl)
    // 25 messages per second, in bursts: fine for the first 40, then limited, then closed.
    let sent = 0
    for (let second = 0; second < 4 && !c.isClosed; second++) {
      for (let index = 0; index < 25; index++) c.send({ type: 'ping' })
      sent += 25
      await waitFor(
        () => h.server.stats().messagesIn === sent || c.isClosed,
        'the server to read the burst',
      )
      clock.advance(1000)
    }
    expect((await c.closed).code).toBe(1008)
    expect(c.messages.filter(ofType('error')).map((message) => data(message)['code'])).toEqual([
      'rate_limited',
    ])
  })

  it('refuses the 51st room with too_many_rooms', async () => {
    const clock = new ManualClock(TEST_START)
    const symbols = Array.from({ length: 60 }, (_, index) => `S${index}`)
    const h = await start({ clock, symbols })
    const c = await client(h.wsUrl)
    const rooms = ['prices', 'portfolio', 'alerts', 'status', ...symbols.map((s) => `prices:${s}`)]
    for (let index = 0; index < 50; index++) {
      c.send({ type: 'join_room', room: rooms[index] })
      if (index % 10 === 9) {
        // Stay under the rate limit: let the server read these, then move time on.
        await c.collect(index + 1, ofType('room_joined'))
        clock.advance(1000)
      }
    }
    await c.collect(50, ofType('room_joined'))
    c.send({ type: 'join_room', room: rooms[50] })
    const refused = await c.next(ofType('error'))
    expect(data(refused)['code']).toBe('too_many_rooms')
    // Joining a room it is already in is fine, and leaving makes space.
    c.send({ type: 'join_room', room: 'prices' })
    c.send({ type: 'leave_room', room: 'alerts' })
    c.send({ type: 'join_room', room: rooms[50] })
    await c.next(ofType('room_left'))
    expect(await c.next(ofType('room_joined'))).toMatchObject({ room: rooms[50] })
    expect(Object.keys(h.server.stats().rooms)).toHaveLength(50)
  })

  it('rejects the upgrade with 401 without the token or with a wrong one', async () => {
    const h = await start({ token: 's3cret' })
    await expect(connect(h.wsUrl)).rejects.toThrow('HTTP 401')
    await expect(connect(`${h.wsUrl}?token=wrong`)).rejects.toThrow('HTTP 401')
    await expect(connect(h.wsUrl, { headers: { authorization: 'Bearer nope' } })).rejects.toThrow(
      'HTTP 401',
    )
    const byQuery = await client(`${h.wsUrl}?token=s3cret`)
    const byHeader = await client(h.wsUrl, { headers: { authorization: 'Bearer s3cret' } })
    byQuery.send({ type: 'ping' })
    byHeader.send({ type: 'ping' })
    await byQuery.next(ofType('pong'))
    await byHeader.next(ofType('pong'))
    expect(h.server.stats().rejected).toEqual({ '401': 3 })
  })

  it('protects /status and /metrics with the token but not / and /health', async () => {
    const h = await start({ token: 's3cret' })
    expect(await status(`${h.url}/status`)).toBe(401)
    expect(await status(`${h.url}/metrics`)).toBe(401)
    expect(await status(`${h.url}/status?token=s3cret`)).toBe(200)
    expect(await status(`${h.url}/metrics`, { authorization: 'Bearer s3cret' })).toBe(200)
    expect(await status(`${h.url}/`)).toBe(200)
    expect(await status(`${h.url}/health`)).toBe(503)
    const response = await fetch(`${h.url}/status`)
    expect(response.headers.get('www-authenticate')).toBe('Bearer')
    expect(await response.json()).toMatchObject({ error: 'unauthorized' })
  })

  it('rejects other browser origins with 403 and accepts allowed, same-origin and no origin', async () => {
    const h = await start({ allowedOrigins: ['https://trader.example'] })
    await expect(connect(h.wsUrl, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403')
    await expect(connect(h.wsUrl, { origin: 'null' })).rejects.toThrow('HTTP 403')
    await client(h.wsUrl, { origin: 'https://trader.example' })
    await client(h.wsUrl, { origin: `http://127.0.0.1:${h.port}` })
    await client(h.wsUrl)
    expect(h.server.stats().clients).toBe(3)
  })

  it('limits connections per IP with 429 and frees the slot when one closes', async () => {
    const h = await start({ maxConnectionsPerIp: 3 })
    const stillServed = await bystander(h)
    const second = await client(h.wsUrl)
    await client(h.wsUrl)
    await expect(connect(h.wsUrl)).rejects.toThrow('HTTP 429')
    await stillServed()
    await second.close()
    await waitFor(() => h.server.stats().clients === 2, 'the slot to be freed')
    const again = await client(h.wsUrl)
    again.send({ type: 'ping' })
    await again.next(ofType('pong'))
    expect(h.server.stats().rejected['429']).toBeGreaterThanOrEqual(1)
  })

  it('answers a plain GET /ws with 426', async () => {
    const h = await start()
    const response = await fetch(`${h.url}/ws`)
    expect(response.status).toBe(426)
    expect(response.headers.get('upgrade')).toBe('websocket')
  })
})
