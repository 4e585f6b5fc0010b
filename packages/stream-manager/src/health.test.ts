import { afterEach, describe, expect, it } from 'vitest'
import { createStreamManager } from './index.js'
import type { StreamManager, StreamStateChange } from './index.js'
import { waitFor } from './test-support/clocks.js'
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
  it('reconnects when the server stalls: TCP open, no pongs, no data', async () => {
    const { server, manager, changes } = await setup({ autoPong: false })
    manager.addStream({
      streamId: 's',
      url: server.url,
      heartbeatInterval: 40,
      pongTimeout: 60,
      reconnectDelay: 10,
    })
    manager.start()
    await waitFor(() => changes.some((c) => c.reasonCode === 'pong-timeout'), 'pong timeout')
    const lost = changes.find((c) => c.reasonCode === 'pong-timeout')
    expect(lost).toMatchObject({ state: 'reconnecting', attempt: 1 })
    expect(lost?.reason).toBe('no pong within pongTimeout (60 ms)')
    await waitFor(() => server.connections >= 2, 'reconnected')
    expect(manager.getStreamMetrics('s')?.latencyMs).toBeUndefined()
  })

  it('keeps a quiet connection whose pongs arrive when staleAfter is off', async () => {
    const { server, manager, changes } = await setup()
    manager.addStream({ streamId: 's', url: server.url, heartbeatInterval: 20 })
    manager.start()
    await waitFor(() => manager.getStreamMetrics('s')?.latencyMs !== undefined, 'a pong round trip')
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(server.connections).toBe(1)
    expect(changes.map((c) => c.state)).toEqual(['connecting', 'connected'])
    expect(manager.getStreamMetrics('s')?.latencyMs).toBeGreaterThanOrEqual(0)
  })

  it('detects a half-alive feed (pongs only, no data) with staleAfter', async () => {
    const { server, manager, changes } = await setup()
    manager.addStream({
      streamId: 's',
      url: server.url,
      heartbeatInterval: 20,
      staleAfter: 120,
      reconnectDelay: 10,
    })
    manager.start()
    await waitFor(() => changes.some((c) => c.state === 'stale'), 'stale')
    const stale = changes.findIndex((c) => c.state === 'stale')
    expect(changes[stale]).toMatchObject({ previous: 'connected', reasonCode: 'stale' })
    expect(changes[stale]?.reason).toMatch(/^no data for \d+ ms \(staleAfter 120 ms\)$/)
    expect(changes[stale + 1]).toMatchObject({
      previous: 'stale',
      state: 'reconnecting',
      reasonCode: 'stale',
      attempt: 1,
    })
    // Pongs did arrive all along: this is the half-alive case, not a dead socket.
    expect(manager.getStreamMetrics('s')?.latencyMs).toBeGreaterThanOrEqual(0)
    await waitFor(() => server.connections >= 2, 'reconnected')
  })

  it('does not go stale while data keeps arriving', async () => {
    const { server, manager, changes } = await setup()
    manager.addStream({ streamId: 's', url: server.url, staleAfter: 80 })
    manager.start()
    await waitFor(() => server.clients.size === 1, 'connected')
    const ticker = setInterval(() => {
      server.send('tick')
    }, 10)
    await new Promise((resolve) => setTimeout(resolve, 250))
    clearInterval(ticker)
    expect(changes.map((c) => c.state)).toEqual(['connecting', 'connected'])
    expect(manager.getStreamMetrics('s')?.messagesReceived).toBeGreaterThan(5)
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
    await waitFor(() => server.clients.size === 1, 'connected')
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
