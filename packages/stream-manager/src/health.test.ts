import { afterEach, describe, expect, it } from 'vitest'
import { createStreamManager } from './index.js'
import type { StreamManager, StreamStateChange } from './index.js'
import { ManualClock, sleep, waitFor } from '@crypto-analyzer/test-support'
import { startTestServer } from './test-support/server.js'
import type { TestServer, TestServerOptions } from './test-support/server.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(serverOptions: TestServerOptions = {}): Promise<{
  server: TestServer
  manager: StreamManager
  changes: StreamStateChange[]
}> {
  const server = await startTestServer(serverOptions)
  const manager = createStreamManager()
  const changes: StreamStateChange[] = []
  manager.onStateChange((change) => changes.push(change))
  cleanups.push(() => server.close())
  cleanups.push(() => manager.stop())
  return { server, manager, changes }
}

describe('StreamManager health', () => {
  // The manager runs on a manual clock: pings, pong deadlines and staleness fire exactly when the
  // test advances time; only the socket traffic itself is real.
  async function manual(serverOptions: TestServerOptions = {}): Promise<{
    server: TestServer
    manager: StreamManager
    changes: StreamStateChange[]
    clock: ManualClock
  }> {
    const server = await startTestServer(serverOptions)
    const clock = new ManualClock()
    // A fixed jitter: a drawn 0 ms retry would fire inside the same advance() and hide the change.
    const manager = createStreamManager({ clock, closeTimeout: 0, random: () => 0.5 })
    const changes: StreamStateChange[] = []
    manager.onStateChange((change) => changes.push(change))
    cleanups.push(() => server.close())
    cleanups.push(() => manager.stop())
    return { server, manager, changes, clock }
  }

  it('reconnects when the server stalls: TCP open, no pongs, no data', async () => {
    const { server, manager, changes, clock } = await manual({ autoPong: false })
    const pings: number[] = []
    manager.addStream({
      streamId: 's',
      url: server.url,
      heartbeatInterval: 1000,
      pongTimeout: 500,
      reconnectDelay: 10,
    })
    manager.start()
    await waitFor(
      () => server.clients.size === 1 && manager.getStreamMetrics('s')?.state === 'connected',
      'connected on both ends',
    )
    for (const client of server.clients) client.on('ping', () => pings.push(clock.now()))
    clock.advance(1000)
    await waitFor(() => pings.length === 1, 'ping reached the server')
    await sleep(20)
    clock.advance(499)
    expect(manager.getStreamMetrics('s')?.state).toBe('connected')
    clock.advance(1)
    const lost = changes.at(-1)
    expect(lost).toMatchObject({ state: 'reconnecting', reasonCode: 'pong-timeout', attempt: 1 })
    expect(lost?.reason).toBe('no pong within pongTimeout (500 ms)')
    clock.advance(10)
    await waitFor(() => server.connections === 2, 'reconnected')
    expect(manager.getStreamMetrics('s')?.latencyMs).toBeUndefined()
  })

  it('keeps a quiet connection whose pongs arrive when staleAfter is off', async () => {
    const { server, manager, changes, clock } = await manual()
    manager.addStream({ streamId: 's', url: server.url, heartbeatInterval: 1000 })
    manager.start()
    await waitFor(() => manager.getStreamMetrics('s')?.state === 'connected', 'connected')
    for (let round = 1; round <= 5; round++) {
      clock.advance(1000)
      await waitFor(() => manager.getStreamMetrics('s')?.lastPongAt === clock.now(), 'pong')
    }
    clock.advance(1000)
    expect(server.connections).toBe(1)
    expect(changes.map((c) => c.state)).toEqual(['connecting', 'connected'])
    // Manual time stands still while the pong travels: the round trip reads 0 ms.
    expect(manager.getStreamMetrics('s')?.latencyMs).toBe(0)
    expect(manager.getStreamMetrics('s')?.uptimeSeconds).toBe(6)
  })

  it('detects a half-alive feed (pongs only, no data) with staleAfter', async () => {
    const { server, manager, changes, clock } = await manual()
    manager.addStream({
      streamId: 's',
      url: server.url,
      heartbeatInterval: 1000,
      staleAfter: 5000,
      reconnectDelay: 10,
    })
    manager.start()
    await waitFor(() => manager.getStreamMetrics('s')?.state === 'connected', 'connected')
    for (let round = 1; round <= 4; round++) {
      clock.advance(1000)
      await waitFor(() => manager.getStreamMetrics('s')?.lastPongAt === clock.now(), 'pong')
    }
    clock.advance(999)
    expect(manager.getStreamMetrics('s')?.state).toBe('connected')
    clock.advance(1)
    const stale = changes.findIndex((c) => c.state === 'stale')
    expect(changes[stale]).toMatchObject({
      previous: 'connected',
      reasonCode: 'stale',
      reason: 'no data for 5000 ms (staleAfter 5000 ms)',
    })
    expect(changes[stale + 1]).toMatchObject({
      previous: 'stale',
      state: 'reconnecting',
      reasonCode: 'stale',
      attempt: 1,
    })
    clock.advance(10)
    await waitFor(() => server.connections === 2, 'reconnected')
  })

  it('measures staleness from the last data frame, not from the connect', async () => {
    const { server, manager, changes, clock } = await manual()
    manager.addStream({ streamId: 's', url: server.url, staleAfter: 100, heartbeatInterval: 0 })
    manager.start()
    await waitFor(
      () => server.clients.size === 1 && manager.getStreamMetrics('s')?.state === 'connected',
      'connected on both ends',
    )
    clock.advance(90)
    server.send('tick')
    await waitFor(() => manager.getStreamMetrics('s')?.messagesReceived === 1, 'tick')
    clock.advance(99)
    expect(changes.map((c) => c.state)).toEqual(['connecting', 'connected'])
    clock.advance(1)
    expect(changes.at(-2)).toMatchObject({
      state: 'stale',
      reason: 'no data for 100 ms (staleAfter 100 ms)',
    })
  })

  it('answers server pings with the same payload', async () => {
    const pongs: string[] = []
    const { server, manager } = await setup({
      onConnection(socket) {
        socket.on('pong', (data) => pongs.push(data.toString()))
      },
    })
    manager.addStream({ streamId: 's', url: server.url, heartbeatInterval: 0 })
    manager.start()
    await waitFor(
      () => server.clients.size === 1 && manager.getStreamMetrics('s')?.state === 'connected',
      'connected on both ends',
    )
    for (const client of server.clients) client.ping('1700000000000')
    await waitFor(() => pongs.length === 1, 'pong')
    expect(pongs).toEqual(['1700000000000'])
  })

  it('backs off and finally fails a feed that connects but never sends data', async () => {
    // healthyAfter passes on every connection, but without a data frame the attempt counter
    // does not reset: a wrongly tuned staleAfter ends in backoff and `failed`, not in flapping.
    const { server, manager, changes } = await setup()
    manager.addStream({
      streamId: 's',
      url: server.url,
      staleAfter: 50,
      healthyAfter: 5,
      reconnectDelay: 5,
      maxReconnectDelay: 20,
      reconnectAttempts: 3,
    })
    manager.start()
    await waitFor(() => manager.getStreamMetrics('s')?.state === 'failed', 'failed')
    expect(changes.filter((c) => c.state === 'reconnecting').map((c) => c.attempt)).toEqual([
      1, 2, 3,
    ])
    expect(changes.at(-1)?.reason).toMatch(/staleAfter 50 ms.*gave up after 3 reconnect attempts/)
    expect(server.connections).toBe(4)
  })

  it('resets the attempt counter once a connection has data and stayed up healthyAfter', async () => {
    let connection = 0
    const { server, manager, changes } = await setup({
      onConnection(socket) {
        connection++
        // Every connection sends one frame, then goes quiet.
        socket.send(`hello ${connection}`)
      },
    })
    manager.addStream({
      streamId: 's',
      url: server.url,
      staleAfter: 50,
      healthyAfter: 5,
      reconnectDelay: 5,
      reconnectAttempts: 2,
    })
    manager.start()
    await waitFor(() => server.connections >= 4, 'several stale cycles')
    const attempts = changes.filter((c) => c.state === 'reconnecting').map((c) => c.attempt)
    expect(attempts.slice(0, 3)).toEqual([1, 1, 1])
    expect(changes.some((c) => c.state === 'failed')).toBe(false)
  })
})
