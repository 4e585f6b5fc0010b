import { afterEach, describe, expect, it } from 'vitest'
import { createStreamManager, StreamError } from './index.js'
import { ManualClock, waitFor } from '@crypto-analyzer/test-support'
import { startTestServer } from './test-support/server.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('StreamManager outgoing', () => {
  it('sends onOpen frames first, then queued sends, at most rateLimit per second', async () => {
    const pongsAt: number[] = []
    const server = await startTestServer({
      onConnection(socket) {
        socket.on('pong', () => pongsAt.push(server.received.length))
      },
    })
    cleanups.push(() => server.close())
    const clock = new ManualClock()
    const manager = createStreamManager({ clock, closeTimeout: 0 })
    cleanups.push(() => manager.stop())
    manager.addStream({
      streamId: 's',
      url: server.url,
      rateLimit: 5,
      bufferSize: 10,
      onOpen: () => ['sub1', 'sub2'],
    })
    // Sent before start: queued, not lost.
    for (let n = 1; n <= 10; n++) expect(manager.send('s', `q${n}`)).toBe(true)
    expect(manager.send('s', 'q11')).toBe(false)
    expect(manager.getStreamMetrics('s')).toMatchObject({ queuedOutgoing: 10, droppedOutgoing: 1 })

    manager.start()
    await waitFor(() => server.received.length === 5, 'first window')
    expect(server.received.map((r) => r.data)).toEqual(['sub1', 'sub2', 'q1', 'q2', 'q3'])
    expect(manager.getStreamMetrics('s')?.queuedOutgoing).toBe(7)

    // A server ping arriving while the window is used up is answered first in the next window.
    for (const client of server.clients) client.ping()
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(pongsAt).toEqual([])
    clock.advance(999)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(server.received.length).toBe(5)
    clock.advance(1)
    await waitFor(() => server.received.length === 9 && pongsAt.length === 1, 'second window')
    expect(pongsAt).toEqual([5])
    expect(server.received.slice(5).map((r) => r.data)).toEqual(['q4', 'q5', 'q6', 'q7'])
    clock.advance(1000)
    await waitFor(() => server.received.length === 12, 'third window')
    expect(server.received.slice(9).map((r) => r.data)).toEqual(['q8', 'q9', 'q10'])
    // The queue is empty and the window has room: a send goes out at once.
    expect(manager.send('s', 'now')).toBe(true)
    await waitFor(() => server.received.length === 13, 'immediate send')
    expect(manager.getStreamMetrics('s')).toMatchObject({
      queuedOutgoing: 0,
      messagesSent: 13,
      droppedOutgoing: 1,
    })
  })

  it('sends the keep-alive frame every keepAliveInterval while connected, and stops with the socket', async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const clock = new ManualClock()
    const manager = createStreamManager({ clock, closeTimeout: 0 })
    cleanups.push(() => manager.stop())
    manager.addStream({
      streamId: 's',
      url: server.url,
      heartbeatInterval: 0,
      keepAliveInterval: 20_000,
      keepAliveFrame: '{"op":"ping"}',
      onOpen: () => ['subscribe'],
    })
    manager.start()
    await waitFor(() => server.received.length === 1, 'subscribed')
    clock.advance(19_999)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(server.received.length).toBe(1)
    clock.advance(1)
    await waitFor(() => server.received.length === 2, 'first keep-alive')
    clock.advance(20_000)
    await waitFor(() => server.received.length === 3, 'second keep-alive')
    expect(server.received.map((r) => r.data)).toEqual([
      'subscribe',
      '{"op":"ping"}',
      '{"op":"ping"}',
    ])
    // The frames are the connection's own, not the stream's sends.
    expect(manager.getStreamMetrics('s')?.messagesSent).toBe(1)
    await manager.stop()
    expect(clock.pending).toBe(0)
  })

  it.each([
    [{ keepAliveInterval: 1000 }, /keepAliveFrame of "s" must be the text to send/],
    [{ keepAliveInterval: 1000, keepAliveFrame: 42 }, /keepAliveFrame of "s" must be the text/],
    [
      { keepAliveInterval: -1, keepAliveFrame: 'ping' },
      /keepAliveInterval must be an integer from 0/,
    ],
  ])('rejects the keep-alive settings %j', (settings, message) => {
    const manager = createStreamManager()
    expect(() => {
      manager.addStream({ streamId: 's', url: 'ws://127.0.0.1:9/x', ...(settings as object) })
    }).toThrow(message)
  })

  it('counts overflow instead of growing the queue', async () => {
    const clock = new ManualClock()
    const manager = createStreamManager({ clock })
    manager.addStream({ streamId: 's', url: 'ws://127.0.0.1:9/x', bufferSize: 3 })
    const results = ['a', 'b', 'c', 'd', 'e'].map((m) => manager.send('s', m))
    expect(results).toEqual([true, true, true, false, false])
    expect(manager.getStreamMetrics('s')).toMatchObject({ queuedOutgoing: 3, droppedOutgoing: 2 })
    await manager.stop()
    expect(manager.getStreamMetrics('s')).toMatchObject({ queuedOutgoing: 0, state: 'stopped' })
    expect(manager.send('s', 'f')).toBe(false)
    expect(manager.getStreamMetrics('s')?.droppedOutgoing).toBe(3)
  })

  it('sends objects as JSON and rejects what JSON cannot encode', async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const manager = createStreamManager()
    cleanups.push(() => manager.stop())
    manager.addStream({ streamId: 's', url: server.url })
    manager.start()
    await waitFor(() => manager.getStreamMetrics('s')?.state === 'connected', 'connected')
    expect(manager.send('s', { method: 'SUBSCRIBE', params: ['btcusdt@ticker'], id: 1 })).toBe(true)
    await waitFor(() => server.received.length === 1, 'frame')
    expect(server.received[0]?.data).toBe(
      '{"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":1}',
    )
    expect(manager.getStreamMetrics('s')?.messagesSent).toBe(1)

    const cyclic: Record<string, unknown> = {}
    cyclic['self'] = cyclic
    const error = (() => {
      try {
        manager.send('s', cyclic)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(StreamError)
    expect(error).toMatchObject({ reason: 'invalid-message', code: 'INVALID_INPUT', streamId: 's' })
    expect(() => manager.send('s', { n: 1n })).toThrow(/cannot be encoded as JSON/)
    expect(() => manager.send('missing', 'x')).toThrow(
      expect.objectContaining({ reason: 'unknown-stream', code: 'NOT_FOUND' }),
    )
  })

  it('logs and survives an onOpen callback that throws or returns garbage', async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const warnings: string[] = []
    const logger = {
      error: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      warn: (_obj: object, msg?: string) => {
        warnings.push(msg ?? '')
      },
    }
    const manager = createStreamManager({ logger })
    cleanups.push(() => manager.stop())
    manager.addStream({
      streamId: 'a',
      url: server.url,
      onOpen: () => {
        throw new Error('bug in subscribe builder')
      },
    })
    manager.addStream({
      streamId: 'b',
      url: server.url,
      onOpen: () => 'not an array' as unknown as string[],
    })
    manager.start()
    await waitFor(() => manager.getAllMetrics().every((m) => m.state === 'connected'), 'connected')
    expect(warnings.sort()).toEqual([
      'stream-manager: onOpen must return an array of strings; nothing sent',
      'stream-manager: onOpen threw; nothing sent',
    ])
    expect(manager.send('a', 'still works')).toBe(true)
    await waitFor(() => server.received.length === 1, 'sent')
    expect(server.received[0]?.data).toBe('still works')
  })
})
