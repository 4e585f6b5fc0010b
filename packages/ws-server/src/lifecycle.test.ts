import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { serve } from '@hono/node-server'
import { createEventBus } from '@crypto-analyzer/core-events'
import { ManualClock, waitFor } from '@crypto-analyzer/test-support'
import { afterEach, describe, expect, it } from 'vitest'
import { createWsServer } from './index.js'
import {
  SYMBOLS,
  TEST_START,
  closeHttp,
  connect,
  ofType,
  startServer,
} from './test-support/harness.js'
import type { Harness, TestClient } from './test-support/harness.js'

let harness: Harness | undefined
const clients: TestClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate()
  await harness?.stop()
  harness = undefined
})

async function client(
  h: Harness,
  options: Parameters<typeof connect>[1] = {},
): Promise<TestClient> {
  const c = await connect(h.wsUrl, options)
  clients.push(c)
  return c
}

/** A full garbage collection, without starting Node.js with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

describe('ws-server lifecycle', () => {
  it('sends 1001 to every client on close(), then refuses new connections', async () => {
    const h = await startServer()
    harness = h
    const all = await Promise.all([client(h), client(h), client(h)])
    all[0].send({ type: 'join_room', room: 'prices' })
    await all[0].next(ofType('room_joined'))
    await h.server.close()
    const closes = await Promise.all(all.map((c) => c.closed))
    expect(closes.map((close) => close.code)).toEqual([1001, 1001, 1001])
    expect(closes[0]?.reason).toBe('server shutting down')
    expect(h.server.stats()).toMatchObject({ clients: 0, rooms: {}, closed: { shutdown: 3 } })
    await expect(connect(h.wsUrl)).rejects.toThrow('HTTP 503')
    // close() is idempotent.
    await h.server.close()
  })

  it('cuts clients that do not answer the close handshake within shutdownTimeout', async () => {
    const h = await startServer({ shutdownTimeout: 100 })
    harness = h
    const c = await client(h)
    c.ws.pause() // reads nothing, so never answers the close frame
    const started = Date.now()
    await h.server.close()
    expect(Date.now() - started).toBeLessThan(5000)
    expect(h.server.stats().clients).toBe(0)
  })

  it('leaves no timer and no bus subscription behind after close()', async () => {
    const clock = new ManualClock(TEST_START)
    const bus = createEventBus()
    const h = await startServer({ clock, bus })
    harness = h
    const c = await client(h)
    c.send({ type: 'ping' })
    await c.next(ofType('pong'))
    expect(bus.getBusStats().activeSubscriptions).toBe(1)
    await h.server.close()
    await c.closed
    expect(clock.pending).toBe(0)
    expect(bus.getBusStats().activeSubscriptions).toBe(0)
  })

  it('pings every heartbeatInterval and cuts a client that did not answer by the next one', async () => {
    const clock = new ManualClock(TEST_START)
    const h = await startServer({ clock })
    harness = h
    const silent = await client(h, { autoPong: false })
    const lively = await client(h)
    let pings = 0
    silent.ws.on('ping', () => {
      pings++
    })
    clock.advance(30_000)
    await waitFor(() => pings === 1, 'the first ping')
    // The lively client's automatic pong must reach the server before the next tick.
    lively.send({ type: 'ping' })
    await lively.next(ofType('pong'))
    await waitFor(() => h.server.stats().messagesIn === 1, 'the server to read')
    clock.advance(30_000)
    const close = await silent.closed
    expect(close.code).toBe(1006)
    expect(h.server.stats()).toMatchObject({ clients: 1, closed: { heartbeat_timeout: 1 } })
    expect(lively.isClosed).toBe(false)
  })

  it('keeps a client that answers pings', async () => {
    const clock = new ManualClock(TEST_START)
    const h = await startServer({ clock })
    harness = h
    const c = await client(h)
    let pings = 0
    c.ws.on('ping', () => {
      pings++
    })
    for (let round = 1; round <= 3; round++) {
      clock.advance(30_000)
      await waitFor(() => pings === round, `ping ${round}`)
      // Let the automatic pong arrive: a ping/pong round trip of our own orders after it.
      c.send({ type: 'ping' })
      await c.next(ofType('pong'))
    }
    expect(c.isClosed).toBe(false)
    expect(h.server.stats().closed.heartbeat_timeout).toBe(0)
  })

  it('keeps no HTTP request of an open connection: an idle client holds only its socket state', async () => {
    const bus = createEventBus()
    bus.start()
    const server = createWsServer({ bus, symbols: SYMBOLS, processMetrics: false })
    const requests: WeakRef<object>[] = []
    const http = serve({
      fetch: (request, env) => {
        requests.push(new WeakRef(request), new WeakRef(env.incoming))
        return server.app.fetch(request, env)
      },
      hostname: '127.0.0.1',
      port: 0,
      websocket: { server: server.wss },
    })
    try {
      await new Promise((resolve) => http.once('listening', resolve))
      const { port } = http.address() as AddressInfo
      const c = await connect(`ws://127.0.0.1:${port}/ws`)
      clients.push(c)
      c.send({ type: 'join_room', room: 'prices' })
      await c.next(ofType('room_joined'))
      expect(requests).toHaveLength(2)
      collectGarbage()
      // The fetch Request (and with it Hono's Context) and Node's IncomingMessage are gone...
      expect(requests.map((ref) => ref.deref())).toEqual([undefined, undefined])
      // ...and the connection still answers, is in its room, and closes as usual.
      c.send({ type: 'ping' })
      await c.next(ofType('pong'))
      expect(server.stats()).toMatchObject({ clients: 1, rooms: { prices: 1 } })
      await server.close()
      expect((await c.closed).code).toBe(1001)
    } finally {
      await server.close()
      await closeHttp(http)
      bus.stop()
    }
  })
})
