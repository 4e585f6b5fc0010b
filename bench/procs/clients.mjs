// Many WebSocket (ws) or Socket.IO clients in one process, for the fan-out and memory cases.
// Commands (procs/ipc.mjs):
//   connect {name, kind: 'ws'|'socketio', url, join, count, stall?} — open `count` clients, join
//           the room, resolve when all joined; `stall` pauses each socket after the join
//           (ws.pause(): the TCP socket stops reading, so the server's sends pile up)
//   arm {name} — start recording (message id, receive time) for that group
//   collect {name, firstId, times, t0, t1} — stop recording; with the publisher's send times
//           (monotonic ns, indexed by id - firstId) return delivered counts and a latency histogram
//   totals — messages received so far per group; close {name}
import { WebSocket } from 'ws'
import { io } from 'socket.io-client'
import { createHistogram, recordLatency } from '../lib.mjs'
import { hrNow, serveCommands } from './ipc.mjs'

const groups = new Map()
const KEY = Buffer.from('"volume_24h":')

/** The message id in a price_update frame (its integer volume_24h), or -1 for other frames. */
function idOf(data) {
  const buf = Array.isArray(data) ? Buffer.concat(data) : data
  const at = buf.indexOf(KEY)
  if (at < 0) return -1
  let value = 0
  for (let i = at + KEY.length; i < buf.length; i++) {
    const c = buf[i]
    if (c < 48 || c > 57) break
    value = value * 10 + c - 48
  }
  return value
}

function newGroup(name) {
  const group = {
    name,
    clients: [],
    total: 0,
    armed: false,
    n: 0,
    ids: new Int32Array(1 << 16),
    times: new Float64Array(1 << 16),
    errors: 0,
    closedEarly: 0,
  }
  groups.set(name, group)
  return group
}

function record(group, id) {
  group.total++
  if (!group.armed) return
  if (group.n === group.ids.length) {
    const ids = new Int32Array(group.ids.length * 2)
    ids.set(group.ids)
    const times = new Float64Array(group.times.length * 2)
    times.set(group.times)
    group.ids = ids
    group.times = times
  }
  group.ids[group.n] = id
  group.times[group.n] = hrNow()
  group.n++
}

function openWs(group, { url, join, stall }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
    let joined = false
    const timer = setTimeout(() => reject(new Error(`no room_joined from ${url} in 30 s`)), 30_000)
    ws.on('error', (error) => {
      group.errors++
      if (!joined) {
        clearTimeout(timer)
        reject(error)
      }
    })
    ws.on('close', () => {
      if (joined) group.closedEarly++
    })
    ws.on('open', () => ws.send(join))
    ws.on('message', (data) => {
      const id = idOf(data)
      if (id >= 0) {
        record(group, id)
        return
      }
      if (!joined && data.includes('"room_joined"')) {
        joined = true
        clearTimeout(timer)
        if (stall) ws.pause()
        resolve(ws)
      }
    })
  })
}

function openSocketIo(group, { url, join }) {
  return new Promise((resolve, reject) => {
    const socket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 30_000,
    })
    const timer = setTimeout(() => reject(new Error(`no join ack from ${url} in 30 s`)), 30_000)
    socket.on('connect_error', (error) => {
      group.errors++
      clearTimeout(timer)
      reject(error)
    })
    socket.on('price_update', (message) => record(group, message.data.volume_24h))
    socket.on('connect', () => {
      socket.emit('join_room', join, () => {
        clearTimeout(timer)
        resolve(socket)
      })
    })
  })
}

async function connect({ name, kind, url, join, count, stall = false, concurrency = 64 }) {
  const group = groups.get(name) ?? newGroup(name)
  const open = kind === 'socketio' ? openSocketIo : openWs
  let started = 0
  const worker = async () => {
    while (started < count) {
      started++
      group.clients.push(await open(group, { url, join, stall }))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return { connected: group.clients.length }
}

function collect({ name, firstId, times, t0, t1 }) {
  const group = groups.get(name)
  group.armed = false
  const hist = createHistogram()
  let delivered = 0
  let inWindow = 0
  for (let i = 0; i < group.n; i++) {
    const index = group.ids[i] - firstId
    if (index < 0 || index >= times.length) continue
    delivered++
    const received = group.times[i]
    if (received >= t0 && received <= t1) inWindow++
    recordLatency(hist, (received - times[index]) / 1e6)
  }
  group.n = 0
  return { delivered, inWindow, hist, errors: group.errors, closedEarly: group.closedEarly }
}

async function closeGroup({ name }) {
  const group = groups.get(name)
  if (group === undefined) return {}
  for (const client of group.clients) {
    if (client instanceof WebSocket) client.terminate()
    else client.disconnect()
  }
  groups.delete(name)
  return {}
}

serveCommands(
  {
    connect,
    arm({ name }) {
      const group = groups.get(name)
      group.n = 0
      group.armed = true
      return {}
    },
    collect,
    gc() {
      globalThis.gc?.()
      return {}
    },
    totals: () => Object.fromEntries([...groups].map(([name, group]) => [name, group.total])),
    close: closeGroup,
  },
  {
    onExit: async () => {
      for (const name of [...groups.keys()]) await closeGroup({ name })
    },
  },
)
