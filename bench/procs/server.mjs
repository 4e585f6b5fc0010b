// A fan-out server under test, in its own process: `node server.mjs ours|raw|socketio`.
//   ours     — ws-server createWsServer + @hono/node-server serve, fed by a core-events bus
//   raw      — a bare ws WebSocketServer: a Set of joined sockets, each message encoded once
//              (the same price_update text as ours) to one Buffer and sent to every socket
//   socketio — Socket.IO 4 (websocket transport only, no compression): io.to('prices').emit()
// Every client joins the `prices` room. Commands (procs/ipc.mjs): start, publish, rss, stats.
//
// Messages carry their id in `volume_24h` (an integer), so clients can tell which message
// they got; the publisher records the monotonic clock (process.hrtime, the same clock in every
// process on the machine) just before handing each message to the server, and sends that table
// to the clients afterwards (out of band) to compute publish → receive latency.
import { createServer } from 'node:http'
import { Decimal, encodePriceUpdate, encodeRoomEvent } from '@crypto-analyzer/core-events'
import { hrNow, serveCommands } from './ipc.mjs'

const impl = process.argv[2]
const SYMBOLS = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK']
const START = [65_000.12, 3_400.5, 0.4512, 6.53, 14.2]
const RING = 64

// A ring of realistic prices per symbol, built once so publishing costs the same everywhere.
const prices = SYMBOLS.map((_, s) =>
  Array.from({ length: RING }, (_, i) => {
    const value = (START[s] * (1 + Math.sin(i / 5) * 0.001)).toFixed(START[s] > 100 ? 2 : 4)
    return { decimal: new Decimal(value), number: Number(value) }
  }),
)
const change = new Decimal('1.25')
const percent = new Decimal('0.85')

function update(id) {
  const s = id % SYMBOLS.length
  return {
    symbol: SYMBOLS[s],
    price: prices[s][Math.floor(id / SYMBOLS.length) % RING].decimal,
    change24h: change,
    changePercent24h: percent,
    volume24h: new Decimal(id),
    timestamp: Date.now(),
    source: 'binance',
  }
}

let publish
let close
let url
let join
let clientCount = () => 0
let serverStats = () => ({})

async function startOurs() {
  const { createEventBus } = await import('@crypto-analyzer/core-events')
  const { createWsServer } = await import('@crypto-analyzer/ws-server')
  const { serve } = await import('@hono/node-server')
  const bus = createEventBus()
  bus.start()
  const server = createWsServer({
    bus,
    symbols: SYMBOLS,
    maxConnectionsPerIp: 1_000_000,
    maxConnections: 1_000_000,
  })
  const http = await new Promise((resolve) => {
    const s = serve(
      {
        fetch: server.app.fetch,
        hostname: '127.0.0.1',
        port: 0,
        websocket: { server: server.wss },
      },
      () => resolve(s),
    )
  })
  url = `ws://127.0.0.1:${http.address().port}/ws`
  join = JSON.stringify({ type: 'join_room', room: 'prices' })
  publish = (id) => {
    const u = update(id)
    bus.publishPriceUpdate(u.symbol, u)
  }
  clientCount = () => server.wss.clients.size
  serverStats = () => server.stats()
  close = async () => {
    await server.close()
    bus.stop()
    http.closeAllConnections?.()
    await new Promise((resolve) => http.close(() => resolve()))
  }
}

async function startRaw() {
  const { WebSocketServer } = await import('ws')
  const http = createServer((_req, res) => res.writeHead(404).end())
  const wss = new WebSocketServer({ server: http, path: '/ws' })
  const room = new Set()
  let seq = 0
  wss.on('connection', (ws) => {
    // A client that vanishes mid-write is closed by ws itself; nothing to report here.
    ws.on('error', () => undefined)
    ws.on('message', (data) => {
      if (data.toString().includes('"join_room"')) {
        room.add(ws)
        ws.send(encodeRoomEvent('room_joined', 'prices', Date.now()))
      }
    })
    ws.on('close', () => room.delete(ws))
  })
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))
  url = `ws://127.0.0.1:${http.address().port}/ws`
  join = JSON.stringify({ type: 'join_room', room: 'prices' })
  publish = (id) => {
    seq++
    const frame = Buffer.from(encodePriceUpdate(update(id), { seq, sentAt: Date.now() }))
    for (const ws of room) ws.send(frame, { binary: false })
  }
  clientCount = () => wss.clients.size
  close = async () => {
    for (const ws of wss.clients) ws.terminate()
    await new Promise((resolve) => wss.close(() => resolve()))
    await new Promise((resolve) => http.close(() => resolve()))
  }
}

async function startSocketIo() {
  const { Server } = await import('socket.io')
  const http = createServer()
  const io = new Server(http, {
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
  })
  io.on('connection', (socket) => {
    socket.on('join_room', (room, ack) => {
      socket.join(room)
      if (typeof ack === 'function') ack({ type: 'room_joined', room })
    })
  })
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${http.address().port}`
  join = 'prices'
  let seq = 0
  publish = (id) => {
    seq++
    const s = id % SYMBOLS.length
    io.to('prices').emit('price_update', {
      data: {
        symbol: SYMBOLS[s],
        price: prices[s][Math.floor(id / SYMBOLS.length) % RING].number,
        change_24h: 1.25,
        change_percent_24h: 0.85,
        volume_24h: id,
        timestamp: new Date().toISOString(),
        source: 'binance',
      },
      seq,
      timestamp: new Date().toISOString(),
    })
  }
  clientCount = () => io.engine.clientsCount
  close = async () => {
    io.disconnectSockets(true)
    await new Promise((resolve) => io.close(() => resolve()))
  }
}

let nextId = 1
let streamTimer

/**
 * Publishes `rate` messages per second for `duration` ms on a 1 ms timer, catching up after a
 * late tick by at most `maxBurst` messages; beyond that the schedule slips (the server cannot
 * take more: it is saturated), so `published` is what was actually offered.
 */
function publishWindow({ rate, duration }) {
  const maxBurst = Math.max(1, Math.ceil(rate * 0.02))
  const times = []
  const firstId = nextId
  const t0 = hrNow()
  const end = t0 + duration * 1e6
  let scheduled = 0
  let slipped = 0
  return new Promise((resolve) => {
    const tick = () => {
      const now = hrNow()
      if (now >= end) {
        resolve({ firstId, times: Float64Array.from(times), t0, t1: now, slipped })
        return
      }
      const due = Math.floor(((now - t0) / 1e9) * rate) + 1
      if (due - scheduled > maxBurst) {
        slipped += due - scheduled - maxBurst
        scheduled = due - maxBurst
      }
      while (scheduled < due) {
        scheduled++
        times.push(hrNow())
        publish(nextId++)
      }
      setTimeout(tick, 1)
    }
    tick()
  })
}

serveCommands(
  {
    async start() {
      if (impl === 'ours') await startOurs()
      else if (impl === 'raw') await startRaw()
      else if (impl === 'socketio') await startSocketIo()
      else throw new Error(`unknown server ${impl}; use ours, raw or socketio`)
      return { url, join, pid: process.pid }
    },
    publish: (message) => publishWindow(message),
    rss() {
      globalThis.gc?.()
      globalThis.gc?.()
      const usage = process.memoryUsage()
      return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external }
    },
    stats: () => ({ clients: clientCount(), published: nextId - 1, server: serverStats() }),
    gc() {
      globalThis.gc?.()
      return {}
    },
    /** Publishes `rate` messages/s until told to stop (memory case). */
    stream({ rate }) {
      const every = 10
      const perTick = Math.max(1, Math.round((rate * every) / 1000))
      clearInterval(streamTimer)
      streamTimer = setInterval(() => {
        for (let i = 0; i < perTick; i++) publish(nextId++)
      }, every)
      return { perTick, every }
    },
    stopStream() {
      clearInterval(streamTimer)
      return {}
    },
  },
  {
    onExit: async () => {
      clearInterval(streamTimer)
      await close?.()
    },
  },
)
