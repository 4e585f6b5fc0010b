import { firstValueFrom, take, toArray } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { createStreamManager } from './index.js'
import type { StreamMessage, StreamStateChange } from './index.js'
import { waitFor } from '@crypto-analyzer/test-support'
import { startTestServer } from './test-support/server.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('StreamManager inbound', () => {
  it('drops and counts oversize and invalid UTF-8 frames without closing the socket', async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const manager = createStreamManager()
    cleanups.push(() => manager.stop())
    const seen: string[] = []
    manager.onMessage((m) => seen.push(m.data))
    manager.addStream({
      streamId: 's',
      url: server.url,
      maxMessageSize: 100,
      hardMaxMessageSize: 1000,
    })
    manager.start()
    await waitFor(
      () => server.clients.size === 1 && manager.getStreamMetrics('s')?.state === 'connected',
      'connected on both ends',
    )
    server.send('x'.repeat(101))
    server.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))
    server.send(Buffer.from([0xc3, 0x28]), { binary: true })
    server.send(Buffer.from('{"binary":"utf8"}'), { binary: true })
    server.send('x'.repeat(100))
    await waitFor(() => seen.length === 2, 'two valid frames')
    expect(seen).toEqual(['{"binary":"utf8"}', 'x'.repeat(100)])
    expect(manager.getStreamMetrics('s')).toMatchObject({
      state: 'connected',
      messagesReceived: 2,
      bytesReceived: 117,
      droppedFrames: 3,
      droppedOversize: 1,
      droppedInvalidUtf8: 2,
      reconnects: 0,
    })
    expect(server.connections).toBe(1)
  })

  it('reconnects when a frame exceeds hardMaxMessageSize (ws closes with 1009)', async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const manager = createStreamManager()
    cleanups.push(() => manager.stop())
    const changes: StreamStateChange[] = []
    manager.onStateChange((c) => changes.push(c))
    manager.addStream({
      streamId: 's',
      url: server.url,
      maxMessageSize: 100,
      hardMaxMessageSize: 1000,
      reconnectDelay: 10,
    })
    manager.start()
    await waitFor(
      () => server.clients.size === 1 && manager.getStreamMetrics('s')?.state === 'connected',
      'connected on both ends',
    )
    server.send('y'.repeat(1001))
    await waitFor(() => server.connections === 2 && server.clients.size === 1, 'reconnected')
    const lost = changes.find((c) => c.state === 'reconnecting')
    expect(lost?.reasonCode).toBe('message-too-big')
    expect(lost?.reason).toContain('hardMaxMessageSize (1000 bytes)')
    expect(manager.getStreamMetrics('s')).toMatchObject({ droppedOversize: 1, droppedFrames: 1 })
  })

  it('hands every handler and observable the same decoded string, surviving a throwing handler', async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const manager = createStreamManager()
    cleanups.push(() => manager.stop())
    const first: StreamMessage[] = []
    const second: StreamMessage[] = []
    manager.onMessage(() => {
      throw new Error('consumer bug')
    })
    const off = manager.onMessage((m) => first.push(m))
    manager.onMessage((m) => second.push(m))
    const fromObservable = firstValueFrom(manager.messages$.pipe(take(2), toArray()))
    const states = firstValueFrom(manager.stateChanges$.pipe(take(2), toArray()))
    manager.addStream({ streamId: 's', url: server.url })
    manager.start()
    expect((await states).map((c) => c.state)).toEqual(['connecting', 'connected'])
    server.send('one')
    server.send('two')
    const observed = await fromObservable
    expect(observed.map((m) => m.data)).toEqual(['one', 'two'])
    expect(first.map((m) => m.data)).toEqual(['one', 'two'])
    expect(second[0]).toBe(first[0])
    expect(observed[0]).toBe(first[0])
    off()
    server.send('three')
    await waitFor(() => second.length === 3, 'third')
    expect(first).toHaveLength(2)
    expect(second[2]).toMatchObject({ streamId: 's', data: 'three', bytes: 5 })
  })
})

describe('StreamManager per-stream delivery', () => {
  it("hands each stream's frames and state changes only to that stream's own listeners", async () => {
    const first = await startTestServer()
    cleanups.push(() => first.close())
    const second = await startTestServer()
    cleanups.push(() => second.close())
    const manager = createStreamManager()
    cleanups.push(() => manager.stop())
    const own = new Map<string, string[]>()
    const states = new Map<string, string[]>()
    const everything: string[] = []
    manager.onMessage((m) => everything.push(`${m.streamId}:${m.data}`))
    for (const [streamId, server] of [
      ['a', first],
      ['b', second],
    ] as const) {
      own.set(streamId, [])
      states.set(streamId, [])
      manager.addStream({
        streamId,
        url: server.url,
        onMessage: (m) => own.get(streamId)?.push(`${m.streamId}:${m.data}`),
        onStateChange: (c) => states.get(streamId)?.push(`${c.streamId}:${c.state}`),
      })
    }
    manager.start()
    await waitFor(
      () => first.clients.size === 1 && second.clients.size === 1,
      'both streams connected',
    )
    await waitFor(
      () => manager.getAllMetrics().every((m) => m.state === 'connected'),
      'both connected',
    )
    first.send('for a')
    second.send('for b')
    first.send('for a again')
    await waitFor(() => everything.length === 3, 'three frames')
    expect(own.get('a')).toEqual(['a:for a', 'a:for a again'])
    expect(own.get('b')).toEqual(['b:for b'])
    expect(states.get('a')).toEqual(['a:connecting', 'a:connected'])
    expect(states.get('b')).toEqual(['b:connecting', 'b:connected'])
  })

  it("keeps delivering when a stream's own listener throws, to it and to everyone else", async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const manager = createStreamManager()
    cleanups.push(() => manager.stop())
    const seen: string[] = []
    let calls = 0
    manager.onMessage((m) => seen.push(m.data))
    manager.addStream({
      streamId: 's',
      url: server.url,
      onMessage: () => {
        calls++
        throw new Error('a broken consumer')
      },
    })
    manager.start()
    await waitFor(() => manager.getStreamMetrics('s')?.state === 'connected', 'connected')
    server.send('one')
    server.send('two')
    await waitFor(() => seen.length === 2, 'both frames')
    expect(seen).toEqual(['one', 'two'])
    expect(calls).toBe(2)
    expect(manager.getStreamMetrics('s')?.state).toBe('connected')
  })
})

describe('StreamManager pooling', () => {
  it('shares connections up to maxStreamsPerConnection and resubscribes every stream', async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const manager = createStreamManager({ maxStreamsPerConnection: 2 })
    cleanups.push(() => manager.stop())
    const byStream = new Map<string, string[]>()
    manager.onMessage((m) => {
      byStream.set(m.streamId, [...(byStream.get(m.streamId) ?? []), m.data])
    })
    const pooled = (id: string, extra: object = {}): void => {
      manager.addStream({
        streamId: id,
        url: server.url,
        pooled: true,
        reconnectDelay: 10,
        onOpen: () => [`SUBSCRIBE ${id}`],
        onClose: () => [`UNSUBSCRIBE ${id}`],
        ...extra,
      })
    }
    pooled('a')
    pooled('b')
    pooled('c') // third: the first connection is full
    pooled('d', { heartbeatInterval: 5000 }) // different connection settings: its own pool
    manager.addStream({ streamId: 'e', url: server.url, onOpen: () => ['SUBSCRIBE e'] })
    manager.start()
    await waitFor(() => server.received.length === 5, 'five subscriptions')
    expect(server.connections).toBe(4)
    const connectionOf = (id: string): number | undefined =>
      server.received.find((r) => r.data === `SUBSCRIBE ${id}`)?.connection
    expect(connectionOf('a')).toBe(connectionOf('b'))
    expect(new Set(['a', 'c', 'd', 'e'].map(connectionOf)).size).toBe(4)
    expect(manager.getAllMetrics().map((m) => [m.streamId, m.connectionStreams])).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 1],
      ['d', 1],
      ['e', 1],
    ])

    // A frame on the shared socket reaches both of its streams, and only them.
    const shared = [...server.clients][0]
    shared?.send('on the first connection')
    await waitFor(() => byStream.get('b')?.length === 1, 'delivered to b')
    expect(byStream.get('a')).toEqual(['on the first connection'])
    expect(byStream.has('c')).toBe(false)

    // After a drop both pooled streams resubscribe on the new shared socket.
    shared?.terminate()
    await waitFor(() => server.connections === 5 && server.received.length === 7, 'resubscribed')
    expect(
      server.received
        .filter((r) => r.connection === 5)
        .map((r) => r.data)
        .sort(),
    ).toEqual(['SUBSCRIBE a', 'SUBSCRIBE b'])

    // Removing one pooled stream unsubscribes it on the socket the other keeps using.
    await manager.removeStream('a')
    await waitFor(() => server.received.length === 8, 'unsubscribe')
    expect(server.received[7]).toEqual({ connection: 5, data: 'UNSUBSCRIBE a' })
    expect(server.clients.size).toBe(4)
    expect(manager.getStreamMetrics('a')).toBeUndefined()
    await manager.removeStream('b')
    await waitFor(() => server.clients.size === 3, 'shared socket closed')

    // A new pooled stream fills the connection that has room (c's), no new socket.
    pooled('f')
    await waitFor(() => connectionOf('f') !== undefined, 'f subscribed')
    expect(connectionOf('f')).toBe(connectionOf('c'))
    expect(server.connections).toBe(5)
    pooled('g')
    await waitFor(() => connectionOf('g') !== undefined, 'g subscribed')
    expect(connectionOf('g')).toBe(6)
  })

  it('joins an already open pooled connection and catches up at once', async () => {
    const server = await startTestServer()
    cleanups.push(() => server.close())
    const manager = createStreamManager()
    cleanups.push(() => manager.stop())
    const changes: StreamStateChange[] = []
    manager.onStateChange((c) => changes.push(c))
    manager.start()
    manager.addStream({ streamId: 'a', url: server.url, pooled: true, onOpen: () => ['A'] })
    await waitFor(() => server.received.length === 1, 'a subscribed')
    manager.addStream({ streamId: 'b', url: server.url, pooled: true, onOpen: () => ['B'] })
    await waitFor(() => server.received.length === 2, 'b subscribed')
    expect(server.connections).toBe(1)
    expect(server.received[1]).toEqual({ connection: 1, data: 'B' })
    expect(changes.filter((c) => c.streamId === 'b').map((c) => c.state)).toEqual([
      'connecting',
      'connected',
    ])
  })
})
