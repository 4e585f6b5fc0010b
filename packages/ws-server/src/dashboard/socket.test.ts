import { ManualClock } from '@crypto-analyzer/test-support'
import { describe, expect, it, vi } from 'vitest'
import { createDashboardSocket, retryDelay, socketUrl } from './socket.js'
import type { ConnectionState, SocketEnvironment, Transport, TransportEvents } from './socket.js'
import { createDashboardState } from './state.js'
import { statusUrl } from './status.js'

/** One connection attempt that the test opens, feeds and closes by hand. */
class FakeTransport implements Transport {
  readonly sent: string[] = []
  closedWith: [number, string] | undefined
  private opened = false

  constructor(
    readonly url: string,
    private readonly events: TransportEvents,
  ) {}

  readonly isOpen = (): boolean => this.opened && this.closedWith === undefined

  send(text: string): void {
    this.sent.push(text)
  }

  close(code: number, reason: string): void {
    this.closedWith = [code, reason]
  }

  open(): void {
    this.opened = true
    this.events.open()
  }

  receive(text: string): void {
    this.events.message(text)
  }

  drop(code = 1006): void {
    this.opened = false
    this.events.close(code)
  }
}

function setup(options: { online?: boolean; unauthorized?: boolean } = {}) {
  const clock = new ManualClock(1_700_000_000_000)
  const transports: FakeTransport[] = []
  const states: ConnectionState[] = []
  const messages: string[] = []
  const network: ((online: boolean) => void)[] = []
  let online = options.online ?? true
  let opens = 0
  const state = createDashboardState()
  const environment: SocketEnvironment = {
    clock,
    // The middle of the jitter range: every delay is exactly its nominal value.
    random: () => 0.5,
    online: () => online,
    connect(url, events) {
      const transport = new FakeTransport(url, events)
      transports.push(transport)
      return transport
    },
    onNetworkChange(listener) {
      network.push(listener)
    },
  }
  const unauthorized = vi.fn(() => Promise.resolve(options.unauthorized ?? false))
  const socket = createDashboardSocket({
    url: 'ws://127.0.0.1:8000/ws',
    joins: () => state.joins(),
    onOpen: () => {
      opens++
    },
    onMessage: (text) => {
      messages.push(text)
      const message = JSON.parse(text) as { type: string; seq?: number; data?: unknown }
      state.apply(message, clock.now())
    },
    onState: (next) => states.push(next),
    unauthorized,
    environment,
  })
  const last = (): FakeTransport => {
    const transport = transports.at(-1)
    if (transport === undefined) throw new Error('no connection attempt yet')
    return transport
  }
  return {
    clock,
    socket,
    transports,
    states,
    messages,
    state,
    unauthorized,
    last,
    opens: () => opens,
    current: () => states.at(-1),
    setOnline(value: boolean) {
      online = value
      for (const listener of network) listener(value)
    },
  }
}

const joins = (transport: FakeTransport): unknown[] =>
  transport.sent.map((text) => JSON.parse(text) as unknown)

describe('retryDelay', () => {
  it('doubles from 500 ms up to 15 s, with ±20 % jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((attempt) => retryDelay(attempt, 0.5))).toEqual([
      500, 1000, 2000, 4000, 8000, 15_000, 15_000,
    ])
    expect(retryDelay(0, 0)).toBe(400)
    expect(retryDelay(0, 1)).toBeCloseTo(600, 6)
    expect(retryDelay(9, 1)).toBeCloseTo(18_000, 6)
  })
})

describe('socketUrl and statusUrl', () => {
  it('point at the page’s own host, ws: or wss: to match, with the token encoded', () => {
    expect(socketUrl('http://127.0.0.1:8000/?token=a', 'a b&c')).toBe(
      'ws://127.0.0.1:8000/ws?token=a+b%26c',
    )
    expect(socketUrl('https://example.com/dash', null)).toBe('wss://example.com/ws')
    expect(statusUrl('http://localhost:8000/', 'secret')).toBe(
      'http://localhost:8000/status?token=secret',
    )
    expect(statusUrl('https://example.com/x?y=1', null)).toBe('https://example.com/status')
  })
})

describe('dashboard socket', () => {
  it('joins every room on open, prices from seq 0 on the first load', () => {
    const t = setup()
    t.socket.start()
    expect(t.current()).toEqual({ kind: 'connecting', attempt: 0 })
    expect(t.last().url).toBe('ws://127.0.0.1:8000/ws')
    t.last().open()
    expect(t.current()).toEqual({ kind: 'live' })
    expect(t.opens()).toBe(1)
    expect(joins(t.last())).toEqual([
      { type: 'join_room', room: 'prices', since: 0 },
      { type: 'join_room', room: 'portfolio' },
      { type: 'join_room', room: 'alerts' },
      { type: 'join_room', room: 'status' },
    ])
  })

  it('resumes each room from its last seq after the server goes away and comes back', () => {
    const t = setup()
    t.socket.start()
    t.last().open()
    t.last().receive('{"type":"price_update","seq":41,"data":{"symbol":"BTC","price":"1"}}')
    t.last().receive('{"type":"alert_triggered","seq":3,"data":{"id":"a","triggered_at":"x"}}')
    t.last().drop(1001)
    expect(t.current()).toEqual({ kind: 'reconnecting', retryAt: t.clock.now() + 500 })
    expect(t.clock.pendingDelays()).toEqual([500])
    t.clock.advance(500)
    expect(t.transports).toHaveLength(2)
    expect(t.current()).toEqual({ kind: 'connecting', attempt: 1 })
    t.last().open()
    expect(joins(t.last())).toEqual([
      { type: 'join_room', room: 'prices', since: 41 },
      { type: 'join_room', room: 'portfolio' },
      { type: 'join_room', room: 'alerts', since: 3 },
      { type: 'join_room', room: 'status' },
    ])
  })

  it('backs off exponentially while the server stays down', () => {
    const t = setup()
    t.socket.start()
    const delays: number[] = []
    for (let index = 0; index < 7; index++) {
      t.last().drop()
      delays.push(...t.clock.pendingDelays())
      t.clock.advance(t.clock.pendingDelays()[0] ?? 0)
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000])
    expect(t.transports).toHaveLength(8)
  })

  it('retries fast again after a connection that lived over 10 s, not after a short one', () => {
    const t = setup()
    t.socket.start()
    t.last().drop()
    t.clock.advance(500)
    t.last().drop()
    t.clock.advance(1000)
    t.last().open()
    t.clock.advance(5000)
    t.last().drop()
    expect(t.clock.pendingDelays()).toEqual([2000])
    t.clock.advance(2000)
    t.last().open()
    t.clock.advance(10_001)
    t.last().drop()
    expect(t.clock.pendingDelays()).toEqual([500])
  })

  it('counts down to the next try once a second', () => {
    const t = setup()
    t.socket.start()
    t.last().drop()
    t.clock.advance(300)
    t.socket.tick()
    expect(t.current()).toEqual({ kind: 'reconnecting', retryAt: 1_700_000_000_500 })
  })

  it('ignores a late event from an earlier attempt', () => {
    const t = setup()
    t.socket.start()
    const first = t.last()
    first.open()
    first.drop()
    t.clock.advance(500)
    first.receive('{"type":"price_update","seq":9,"data":{"symbol":"BTC","price":"1"}}')
    first.drop()
    expect(t.messages).toEqual([])
    expect(t.clock.pending).toBe(0)
    expect(t.current()).toEqual({ kind: 'connecting', attempt: 1 })
  })

  it('connects at once with a fresh backoff on "Retry now"', () => {
    const t = setup()
    t.socket.start()
    t.last().drop()
    t.clock.advance(500)
    t.last().drop()
    expect(t.clock.pendingDelays()).toEqual([1000])
    t.socket.retryNow()
    expect(t.transports).toHaveLength(3)
    expect(t.clock.pending).toBe(0)
    expect(t.current()).toEqual({ kind: 'connecting', attempt: 0 })
    t.last().drop()
    expect(t.clock.pendingDelays()).toEqual([500])
  })

  it('waits for the network while offline and connects when it is back', () => {
    const t = setup({ online: false })
    t.socket.start()
    expect(t.current()).toEqual({ kind: 'offline' })
    expect(t.transports).toHaveLength(0)
    t.setOnline(true)
    expect(t.transports).toHaveLength(1)
    t.last().open()
    // Going offline with a live socket changes nothing until the socket itself closes.
    t.setOnline(false)
    expect(t.current()).toEqual({ kind: 'live' })
  })

  it('says the token is the problem when the first two tries fail and the server says 401', async () => {
    const t = setup({ unauthorized: true })
    t.socket.start()
    t.last().drop()
    expect(t.unauthorized).not.toHaveBeenCalled()
    t.clock.advance(500)
    t.last().drop()
    expect(t.unauthorized).toHaveBeenCalledTimes(1)
    await Promise.resolve()
    expect(t.current()).toEqual({ kind: 'unauthorized' })
    // The countdown does not paint over it; the retry loop goes on underneath.
    t.socket.tick()
    expect(t.current()).toEqual({ kind: 'unauthorized' })
    expect(t.clock.pendingDelays()).toEqual([1000])
  })

  it('does not ask about the token once a connection has opened', () => {
    const t = setup({ unauthorized: true })
    t.socket.start()
    t.last().open()
    t.last().drop()
    t.clock.advance(500)
    t.last().drop()
    expect(t.unauthorized).not.toHaveBeenCalled()
  })

  it('pings after 20 s of silence and closes after 45 s', () => {
    const t = setup()
    t.socket.start()
    const transport = t.last()
    transport.open()
    const sent = transport.sent.length
    t.clock.advance(20_000)
    t.socket.tick()
    expect(transport.sent.length).toBe(sent)
    t.clock.advance(1000)
    t.socket.tick()
    expect(transport.sent.slice(sent)).toEqual(['{"type":"ping"}'])
    transport.receive('{"type":"pong"}')
    t.clock.advance(44_000)
    t.socket.tick()
    expect(transport.closedWith).toBeUndefined()
    t.clock.advance(2000)
    t.socket.tick()
    expect(transport.closedWith).toEqual([4000, 'no data'])
  })

  it('warns when the server closes for policy or overload', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const t = setup()
    t.socket.start()
    t.last().open()
    t.last().drop(1013)
    t.clock.advance(500)
    t.last().open()
    t.last().drop(1001)
    expect(warn.mock.calls).toEqual([['crypto-analyzer: server closed the connection (1013)']])
  })

  it('measures how long the connection has been open', () => {
    const t = setup()
    t.socket.start()
    t.last().open()
    t.clock.advance(2500)
    expect(t.socket.openFor(t.clock.now())).toBe(2500)
  })
})
