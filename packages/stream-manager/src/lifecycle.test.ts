import { afterEach, describe, expect, it } from 'vitest'
import { createStreamManager, StreamError } from './index.js'
import type { StreamConfig, StreamStateChange } from './index.js'
import { createTrackingClock, waitFor } from '@crypto-analyzer/test-support'
import { startTestServer } from './test-support/server.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length
}

describe('StreamManager lifecycle', () => {
  it('stop() closes every socket and timer, politely, and start() brings them back', async () => {
    const baseline = tcpHandles()
    const closeCodes: number[] = []
    const server = await startTestServer({
      onConnection(socket) {
        socket.on('close', (code) => closeCodes.push(code))
      },
    })
    cleanups.push(() => server.close())
    const { clock, pending } = createTrackingClock()
    const manager = createStreamManager({ clock })
    const changes: StreamStateChange[] = []
    manager.onStateChange((c) => changes.push(c))
    const busy: Partial<StreamConfig> = {
      heartbeatInterval: 1000,
      staleAfter: 5000,
      maxConnectionAge: 60_000,
      healthyAfter: 5000,
      rateLimit: 1,
    }
    manager.addStream({ streamId: 'a', url: server.url, ...busy, onOpen: () => ['1', '2', '3'] })
    manager.addStream({ streamId: 'b', url: server.url, pooled: true, ...busy })
    manager.addStream({ streamId: 'c', url: server.url, pooled: true, ...busy })
    // A stream waiting out its backoff holds a retry timer.
    manager.addStream({ streamId: 'd', url: 'ws://127.0.0.1:1/refused', reconnectDelay: 60_000 })
    manager.start()
    await waitFor(
      () =>
        server.clients.size === 2 &&
        manager.getStreamMetrics('d')?.state === 'reconnecting' &&
        server.received.length === 1,
      'all live',
    )
    // two sockets × (ping, stale, age, healthy), a rate-limit drain and a backoff retry
    expect(pending()).toBe(10)
    expect(manager.getStreamMetrics('a')?.queuedOutgoing).toBe(0)

    await manager.stop()
    expect(pending()).toBe(0)
    expect(manager.getAllMetrics().map((m) => m.state)).toEqual([
      'stopped',
      'stopped',
      'stopped',
      'stopped',
    ])
    await waitFor(() => server.clients.size === 0, 'server sees the sockets go')
    expect(closeCodes).toEqual([1000, 1000])
    expect(changes.filter((c) => c.state === 'stopped').every((c) => c.reasonCode === 'stop')).toBe(
      true,
    )
    // The onOpen frames still waiting for the rate limiter were discarded, not sent later.
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(server.received.map((r) => r.data)).toEqual(['1'])

    manager.start()
    await waitFor(() => server.clients.size === 2, 'restarted')
    expect(server.connections).toBe(4)
    await manager.stop()
    await server.close()
    expect(pending()).toBe(0)
    await waitFor(() => tcpHandles() <= baseline, 'no TCP handle left')
  })

  it('removeStream() closes a stream of its own and releases its timers', async () => {
    const closeCodes: number[] = []
    const server = await startTestServer({
      onConnection(socket) {
        socket.on('close', (code) => closeCodes.push(code))
      },
    })
    cleanups.push(() => server.close())
    const { clock, pending } = createTrackingClock()
    const manager = createStreamManager({ clock })
    cleanups.push(() => manager.stop())
    const changes: StreamStateChange[] = []
    manager.onStateChange((c) => changes.push(c))
    manager.addStream({ streamId: 's', url: server.url, heartbeatInterval: 1000, staleAfter: 5000 })
    manager.start()
    await waitFor(() => manager.getStreamMetrics('s')?.state === 'connected', 'connected')
    expect(pending()).toBeGreaterThan(0)
    await manager.removeStream('s')
    expect(pending()).toBe(0)
    expect(manager.getStreamMetrics('s')).toBeUndefined()
    expect(changes.at(-1)).toMatchObject({
      previous: 'connected',
      state: 'stopped',
      reasonCode: 'removed',
    })
    await waitFor(() => closeCodes.length === 1, 'closed')
    expect(closeCodes).toEqual([1000])
    // Unknown ids are a no-op; the id can be reused.
    await manager.removeStream('s')
    manager.addStream({ streamId: 's', url: server.url })
    await waitFor(() => server.connections === 2, 'reused id')
  })

  it('cuts a socket whose peer ignores the close handshake after closeTimeout', async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const manager = createStreamManager({ closeTimeout: 50 })
    manager.addStream({ streamId: 's', url: server.url })
    manager.start()
    await waitFor(
      () => server.clients.size === 1 && manager.getStreamMetrics('s')?.state === 'connected',
      'connected on both ends',
    )
    // The server stops reading: the close frame is never answered.
    for (const client of server.clients) {
      ;(client as unknown as { _socket: { pause(): void } })._socket.pause()
    }
    const started = Date.now()
    await manager.stop()
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
  })
})

describe('StreamManager config validation', () => {
  const manager = createStreamManager()
  const base = { streamId: 's', url: 'wss://stream.example.com/ws' }

  function rejection(config: unknown): StreamError {
    try {
      manager.addStream(config as StreamConfig)
    } catch (error) {
      if (error instanceof StreamError) return error
      throw error
    }
    throw new Error('addStream accepted an invalid config')
  }

  it.each([
    [{ ...base, url: 'http://example.com' }, /ws:\/\/ or wss:\/\/ URL, got "http:\/\/example.com"/],
    [{ ...base, url: 'not a url' }, /must be a ws:\/\/ or wss:\/\/ URL/],
    [{ url: base.url }, /streamId must be a non-empty string/],
    [{ ...base, streamId: '  ' }, /streamId must be a non-empty string/],
    [
      { ...base, reconnectAttempts: -1 },
      /reconnectAttempts must be an integer from 0.*use 0 to retry forever/,
    ],
    [{ ...base, reconnectDelay: 0 }, /reconnectDelay must be an integer from 1/],
    [{ ...base, reconnectDelay: 1.5 }, /reconnectDelay must be an integer/],
    [
      { ...base, reconnectDelay: 5000, maxReconnectDelay: 1000 },
      /below reconnectDelay \(5000\): raise maxReconnectDelay/,
    ],
    [{ ...base, heartbeatInterval: '30s' }, /heartbeatInterval must be an integer.*got "30s"/],
    [{ ...base, rateLimit: 0 }, /rateLimit must be an integer from 1.*e.g. 5 for Binance/],
    [{ ...base, bufferSize: -5 }, /bufferSize must be an integer from 0/],
    [
      { ...base, maxMessageSize: 1000, hardMaxMessageSize: 10 },
      /hardMaxMessageSize.*at least maxMessageSize \(1000\)/,
    ],
    [{ ...base, staleAfter: 2 ** 31 }, /staleAfter must be an integer from 0 to 2147483647/],
    [{ ...base, headers: { 'bad header': 'x' } }, /headers.bad header is not a valid HTTP header/],
    [{ ...base, headers: { ok: 1 } }, /headers.ok must be a string/],
    [{ ...base, params: ['a'] }, /params must be an object of string values/],
    [{ ...base, symbols: 'BTC' }, /symbols of "s" must be an array of strings/],
    [{ ...base, onOpen: ['SUBSCRIBE'] }, /onOpen of "s" must be a function returning the frames/],
    [{ ...base, onMessage: 'log' }, /onMessage of "s" must be a function called with each inbound/],
    [{ ...base, onStateChange: {} }, /onStateChange of "s" must be a function called with each/],
    [{ ...base, pooled: 'yes' }, /pooled of "s" must be true or false/],
    [
      { ...base, reconectDelay: 100 },
      /unknown option "reconectDelay": did you mean "reconnectDelay"\?/,
    ],
  ])('rejects %j', (config, message) => {
    const error = rejection(config)
    expect(error.reason).toBe('invalid-config')
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.message).toMatch(message)
  })

  it('rejects a duplicate streamId and bad manager options', () => {
    manager.addStream(base)
    expect(rejection(base)).toMatchObject({
      reason: 'duplicate-stream',
      code: 'INVALID_INPUT',
      streamId: 's',
    })
    expect(() => manager.onMessage('log' as never)).toThrow(/onMessage takes a function/)
    expect(() => manager.onStateChange(undefined as never)).toThrow(StreamError)
    expect(() => createStreamManager({ maxStreamsPerConnection: 0 })).toThrow(
      /maxStreamsPerConnection must be an integer from 1/,
    )
    expect(() => createStreamManager({ clock: {} as never })).toThrow(/Clock interface/)
    expect(() => createStreamManager({ maxStreams: 5 } as never)).toThrow(
      /did you mean "maxStreamsPerConnection"/,
    )
  })

  it('applies the documented defaults', () => {
    const m = createStreamManager()
    m.addStream({ streamId: 'd', url: 'ws://127.0.0.1:1/x' })
    expect(m.getStreamMetrics('d')).toEqual({
      streamId: 'd',
      url: 'ws://127.0.0.1:1/x',
      state: 'idle',
      symbols: [],
      messagesReceived: 0,
      bytesReceived: 0,
      droppedFrames: 0,
      droppedOversize: 0,
      droppedInvalidUtf8: 0,
      droppedOutgoing: 0,
      messagesSent: 0,
      reconnects: 0,
      uptimeSeconds: 0,
      latencyMs: undefined,
      lastPongAt: undefined,
      lastMessageAt: undefined,
      connectedAt: undefined,
      queuedOutgoing: 0,
      attempt: 0,
      lastReason: undefined,
      connectionStreams: 1,
    })
  })
})
