import { createServer as createHttpServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createStreamManager } from './index.js'
import type { StreamManager, StreamStateChange } from './index.js'
import { createTrackingClock, waitFor } from '@crypto-analyzer/test-support'
import { startTestServer } from './test-support/server.js'
import type { TestServer } from './test-support/server.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(options: Parameters<typeof startTestServer>[0] = {}): Promise<{
  server: TestServer
  manager: StreamManager
  changes: StreamStateChange[]
  pendingTimers: () => number
}> {
  const server = await startTestServer(options)
  const { clock, pending } = createTrackingClock()
  const manager = createStreamManager({ clock })
  const changes: StreamStateChange[] = []
  manager.onStateChange((change) => changes.push(change))
  cleanups.push(() => server.close())
  cleanups.push(() => manager.stop())
  return { server, manager, changes, pendingTimers: pending }
}

function stateOf(manager: StreamManager, id = 's'): string | undefined {
  return manager.getStreamMetrics(id)?.state
}

describe('StreamManager reconnect', () => {
  it('connects on start and delivers text frames with metrics', async () => {
    const { server, manager } = await setup()
    const seen: string[] = []
    manager.onMessage((m) => seen.push(`${m.streamId}:${m.data}:${m.bytes}`))
    manager.addStream({ streamId: 's', url: server.url, symbols: ['BTC/USDT'] })
    expect(stateOf(manager)).toBe('idle')
    expect(server.connections).toBe(0)
    manager.start()
    await waitFor(() => stateOf(manager) === 'connected', 'connected')
    server.send('{"p":"1.5"}')
    server.send('é')
    await waitFor(() => seen.length === 2, 'two frames')
    expect(seen).toEqual(['s:{"p":"1.5"}:11', 's:é:2'])
    const metrics = manager.getStreamMetrics('s')
    expect(metrics).toMatchObject({
      streamId: 's',
      url: server.url,
      symbols: ['BTC/USDT'],
      state: 'connected',
      messagesReceived: 2,
      bytesReceived: 13,
      droppedFrames: 0,
      reconnects: 0,
      attempt: 0,
      connectionStreams: 1,
    })
    expect(metrics?.lastMessageAt).toBeTypeOf('number')
    expect(metrics?.connectedAt).toBeTypeOf('number')
    expect(metrics?.uptimeSeconds).toBeGreaterThanOrEqual(0)
  })

  it('reconnects with backoff when the server drops the socket abruptly, and resubscribes', async () => {
    const { server, manager, changes } = await setup()
    manager.addStream({
      streamId: 's',
      url: server.url,
      reconnectDelay: 20,
      maxReconnectDelay: 40,
      onOpen: () => ['SUBSCRIBE btcusdt@ticker'],
    })
    // Sent while disconnected: waits, then goes out after the resubscription.
    manager.onStateChange((c) => {
      if (c.state === 'reconnecting') manager.send('s', 'queued while down')
    })
    manager.start()
    await waitFor(() => server.received.length === 1, 'first subscription')
    server.terminateAll()
    await waitFor(() => server.connections === 2 && stateOf(manager) === 'connected', 'reconnected')
    expect(changes.map((c) => `${c.previous}>${c.state}:${c.reasonCode}`)).toEqual([
      'idle>connecting:start',
      'connecting>connected:open',
      'connected>reconnecting:closed',
      'reconnecting>connecting:retry',
      'connecting>connected:open',
    ])
    const lost = changes[2]
    expect(lost?.attempt).toBe(1)
    expect(lost?.reason).toContain('1006')
    expect(lost?.retryInMs).toBeGreaterThanOrEqual(0)
    expect(lost?.retryInMs).toBeLessThan(20)
    expect(changes[4]?.attempt).toBe(0)
    expect(manager.getStreamMetrics('s')?.reconnects).toBe(1)
    await waitFor(() => server.received.length === 3, 'resubscribed')
    expect(server.received).toEqual([
      { connection: 1, data: 'SUBSCRIBE btcusdt@ticker' },
      { connection: 2, data: 'SUBSCRIBE btcusdt@ticker' },
      { connection: 2, data: 'queued while down' },
    ])
  })

  it('reconnects after a server restart on the same port', async () => {
    const { server, manager, changes } = await setup()
    manager.addStream({
      streamId: 's',
      url: server.url,
      reconnectDelay: 10,
      maxReconnectDelay: 40,
      reconnectAttempts: 0,
    })
    manager.start()
    await waitFor(() => stateOf(manager) === 'connected', 'first connect')
    await server.restart(150)
    await waitFor(() => server.connections === 2 && stateOf(manager) === 'connected', 'back')
    const failures = changes.filter((c) => c.reasonCode === 'connect-error')
    // While the port was closed the attempts were refused and backed off.
    expect(failures.length).toBeGreaterThan(0)
    expect(failures[0]?.reason).toContain('ECONNREFUSED')
    expect(changes.at(-1)).toMatchObject({ state: 'connected', attempt: 0 })
  })

  it('ends in failed after reconnectAttempts refused attempts', async () => {
    const { server, manager, changes } = await setup()
    const url = server.url
    await server.close()
    manager.addStream({
      streamId: 's',
      url,
      reconnectAttempts: 3,
      reconnectDelay: 5,
      maxReconnectDelay: 10,
    })
    manager.start()
    await waitFor(() => stateOf(manager) === 'failed', 'failed')
    expect(changes.map((c) => c.state)).toEqual([
      'connecting',
      'reconnecting',
      'connecting',
      'reconnecting',
      'connecting',
      'reconnecting',
      'connecting',
      'failed',
    ])
    expect(changes.filter((c) => c.state === 'reconnecting').map((c) => c.attempt)).toEqual([
      1, 2, 3,
    ])
    const failed = changes.at(-1)
    expect(failed?.reasonCode).toBe('attempts-exhausted')
    expect(failed?.reason).toMatch(/ECONNREFUSED.*gave up after 3 reconnect attempts/)
    expect(manager.getStreamMetrics('s')?.reconnects).toBe(3)
    // Terminal: a send is refused and counted.
    expect(manager.send('s', 'x')).toBe(false)
    expect(manager.getStreamMetrics('s')?.droppedOutgoing).toBe(1)
  })

  it('revives a failed stream on reconnect() and reconnects a live one at once', async () => {
    const { server, manager, changes } = await setup()
    const url = server.url
    await server.close()
    manager.addStream({ streamId: 's', url, reconnectAttempts: 1, reconnectDelay: 5 })
    manager.start()
    await waitFor(() => stateOf(manager) === 'failed', 'failed')
    await server.restart()
    manager.reconnect('s', 'try again')
    await waitFor(() => stateOf(manager) === 'connected', 'revived')
    expect(changes.at(-2)).toMatchObject({
      previous: 'failed',
      state: 'connecting',
      reasonCode: 'manual',
      reason: 'reconnect requested: try again',
      attempt: 0,
    })
    manager.reconnect('s', 'serverShutdown')
    await waitFor(() => server.connections === 2 && stateOf(manager) === 'connected', 'manual')
    expect(changes.find((c) => c.reason === 'reconnect requested: serverShutdown')).toMatchObject({
      state: 'reconnecting',
      retryInMs: 0,
    })
    expect(() => {
      manager.reconnect('nope', 'x')
    }).toThrow(/no stream "nope"/)
  })

  it('reconnects proactively at maxConnectionAge without counting a failure', async () => {
    const { server, manager, changes } = await setup()
    manager.addStream({
      streamId: 's',
      url: server.url,
      maxConnectionAge: 120,
      onOpen: () => ['sub'],
    })
    manager.start()
    await waitFor(() => server.connections >= 2 && stateOf(manager) === 'connected', 'aged out')
    const aged = changes.find((c) => c.reasonCode === 'max-connection-age')
    expect(aged).toMatchObject({ state: 'reconnecting', retryInMs: 0, attempt: 0 })
    expect(aged?.reason).toContain('maxConnectionAge (120 ms)')
    // The subscription went out again on the new connection.
    await waitFor(() => server.received.filter((r) => r.data === 'sub').length >= 2, 'resubscribed')
    expect(server.received.slice(0, 2)).toEqual([
      { connection: 1, data: 'sub' },
      { connection: 2, data: 'sub' },
    ])
  })

  it('times out an opening handshake that never completes', async () => {
    const sockets = new Set<Socket>()
    const silent = createNetServer((socket) => {
      sockets.add(socket)
    })
    await new Promise<void>((resolve) => {
      silent.listen(0, '127.0.0.1', resolve)
    })
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy()
          silent.close(() => {
            resolve()
          })
        }),
    )
    const port = (silent.address() as AddressInfo).port
    const { manager, changes } = await setup()
    manager.addStream({
      streamId: 's',
      url: `ws://127.0.0.1:${port}`,
      connectTimeout: 50,
      reconnectDelay: 1000,
    })
    manager.start()
    await waitFor(() => stateOf(manager) === 'reconnecting', 'connect timeout')
    expect(changes[1]).toMatchObject({ reasonCode: 'connect-timeout', attempt: 1 })
    expect(changes[1]?.reason).toContain('connectTimeout (50 ms)')
  })

  it('reports a non-101 HTTP answer as a connect error', async () => {
    const http = createHttpServer((_req, res) => {
      res.writeHead(429).end('slow down')
    })
    await new Promise<void>((resolve) => {
      http.listen(0, '127.0.0.1', resolve)
    })
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          http.close(() => {
            resolve()
          })
        }),
    )
    const port = (http.address() as AddressInfo).port
    const { manager, changes } = await setup()
    manager.addStream({ streamId: 's', url: `ws://127.0.0.1:${port}`, reconnectDelay: 1000 })
    manager.start()
    await waitFor(() => stateOf(manager) === 'reconnecting', 'rejected')
    expect(changes[1]?.reasonCode).toBe('connect-error')
    expect(changes[1]?.reason).toContain('429')
  })

  it('sends params in the query and headers in the handshake', async () => {
    const { server, manager } = await setup()
    manager.addStream({
      streamId: 's',
      url: server.url,
      params: { streams: 'btcusdt@ticker/ethusdt@ticker', note: 'a b&c' },
      headers: { 'x-api-key': 'k1' },
    })
    manager.start()
    await waitFor(() => server.requests.length === 1, 'handshake')
    const request = server.requests[0]
    expect(request?.url).toBe('/ws?streams=btcusdt@ticker/ethusdt@ticker&note=a%20b%26c')
    expect(request?.headers['x-api-key']).toBe('k1')
  })
})
