// Memory of the real server (ws-server + @hono/node-server + a core-events bus, in its own
// process), clients in 4 other processes.
//
// Idle: RSS per connected client that joined `prices` and receives nothing, vs the raw ws
// broadcast server (procs/server.mjs). A fresh server per repetition: RSS after two forced GCs
// with no client, after 1,000 clients, after 5,000; per client = (RSS(n) − RSS(0)) / n.
//
// Stalled: three servers at once, each publishing STALL_RATE price updates/s to 100 clients for
// 60 s (quick: 5 s): ours with 100 clients that stopped reading (ws.pause(): the TCP socket is
// not read, so the kernel buffers fill, ~3 MB per socket here, and then the server's own),
// ours with the same 100 clients reading, and the raw ws server with 100 stalled clients (what
// an unbounded send buffer costs). RSS of each server is sampled from /proc every second; the
// figure is the RSS over the last third of the run (median, min, max of those samples: the
// level memory settled at), so this case has one run, not repetitions: 60 s each was too long
// to repeat 5 times in the time budget, and the samples show whether memory was still growing.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { result, rssOf, sleep, spawnNode, summary } from '../lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const SERVER = join(here, '../procs/server.mjs')
const CLIENTS = join(here, '../procs/clients.mjs')
const CLIENT_PROCESSES = 4
const STALLED = 100
const STALL_RATE = 500
const RAW_RSS_CAP = 1536 * 1024 * 1024

const pick = (stats) => ({
  clients: stats.clients,
  lagging_clients: stats.laggingClients,
  buffered_mb: stats.bufferedBytes / 1024 / 1024,
  max_buffered_per_client_mb: stats.maxBufferedBytes / 1024 / 1024,
  conflated: stats.conflated,
  dropped: stats.dropped,
  closed: stats.closed,
})

const shares = (total) =>
  Array.from(
    { length: CLIENT_PROCESSES },
    (_, i) => Math.floor(total / CLIENT_PROCESSES) + (i < total % CLIENT_PROCESSES ? 1 : 0),
  )

async function connectAll(clients, name, info, total, stall = false) {
  const counts = shares(total)
  await Promise.all(
    clients.map((c, i) =>
      c.request(
        'connect',
        { name, kind: 'ws', url: info.url, join: info.join, count: counts[i], stall },
        120_000,
      ),
    ),
  )
}

async function idleRun(impl, clients, sizes) {
  const server = spawnNode(SERVER, [impl], { execArgv: ['--expose-gc'] })
  try {
    const info = await server.request('start')
    await sleep(300)
    const base = await server.request('rss')
    const perClient = {}
    let connected = 0
    for (const size of sizes) {
      await connectAll(clients, impl, info, size - connected)
      connected = size
      await sleep(300)
      const { clients: seen } = await server.request('stats')
      if (seen !== size) throw new Error(`${impl} server sees ${seen} clients, expected ${size}`)
      const now = await server.request('rss')
      perClient[size] = {
        rss: (now.rss - base.rss) / size,
        heap: (now.heapUsed - base.heapUsed) / size,
      }
    }
    return perClient
  } finally {
    await Promise.all(clients.map((c) => c.request('close', { name: impl })))
    await server.stop()
  }
}

async function idle({ quick }) {
  const sizes = quick ? [200, 1000] : [1000, 5000]
  const repetitions = quick ? 1 : 5
  const impls = ['ours', 'raw']
  const clients = Array.from({ length: CLIENT_PROCESSES }, () => spawnNode(CLIENTS))
  const figures = { ours: [], raw: [] }
  try {
    for (let rep = 0; rep < repetitions; rep++) {
      const order = rep % 2 === 0 ? impls : [...impls].reverse()
      for (const impl of order) figures[impl].push(await idleRun(impl, clients, sizes))
    }
  } finally {
    await Promise.all(clients.map((c) => c.stop()))
  }
  return sizes.map((size) =>
    result({
      name: 'memory',
      params: { metric: 'idle rss per client', clients: size },
      unit: 'KiB/client',
      higherIsBetter: false,
      ours: summary(figures.ours.map((f) => f[size].rss / 1024)),
      baseline: summary(figures.raw.map((f) => f[size].rss / 1024)),
      baselineName: 'raw ws server',
      target: { max: 1.5 },
      notes: {
        js_heap_kib_per_client: {
          ours: summary(figures.ours.map((f) => f[size].heap / 1024)).median,
          raw: summary(figures.raw.map((f) => f[size].heap / 1024)).median,
        },
      },
    }),
  )
}

async function stalled({ quick }) {
  const seconds = quick ? 5 : 60
  const setups = [
    { name: 'stalled', impl: 'ours', stall: true },
    { name: 'reading', impl: 'ours', stall: false },
    { name: 'rawStalled', impl: 'raw', stall: true },
  ]
  const servers = {}
  const clients = Array.from({ length: CLIENT_PROCESSES }, () => spawnNode(CLIENTS))
  const samples = Object.fromEntries(setups.map((s) => [s.name, []]))
  let rawCapped = false
  try {
    for (const s of setups) servers[s.name] = spawnNode(SERVER, [s.impl])
    for (const s of setups) {
      const info = await servers[s.name].request('start')
      await connectAll(clients, s.name, info, STALLED, s.stall)
    }
    await sleep(500)
    const start = Object.fromEntries(setups.map((s) => [s.name, rssOf(servers[s.name].pid)]))
    for (const s of setups) await servers[s.name].request('stream', { rate: STALL_RATE })
    const started = Date.now()
    for (let t = 1; t <= seconds; t++) {
      await sleep(started + t * 1000 - Date.now())
      for (const s of setups) {
        if (s.name === 'rawStalled' && rawCapped) continue
        const rss = rssOf(servers[s.name].pid)
        samples[s.name].push({ t, rss })
        if (s.name === 'rawStalled' && rss > RAW_RSS_CAP) {
          rawCapped = true
          await servers[s.name].request('stopStream')
        }
      }
    }
    const serverStats = {}
    for (const s of setups) serverStats[s.name] = await servers[s.name].request('stats')
    const totals = await Promise.all(clients.map((c) => c.request('totals')))
    const received = totals.reduce((sum, t) => sum + (t.reading ?? 0), 0)
    const mb = (bytes) => bytes / 1024 / 1024
    const level = (name) => {
      const all = samples[name]
      const tail = all.slice(Math.floor((all.length * 2) / 3))
      return summary(tail.map((sample) => mb(sample.rss)))
    }
    const peak = (name) => mb(Math.max(...samples[name].map((sample) => sample.rss)))
    const curve = (name) =>
      samples[name].filter((_, i) => i % 5 === 4).map((sample) => Math.round(mb(sample.rss)))
    const notes = {
      seconds,
      publish_rate_per_s: STALL_RATE,
      stalled_clients: STALLED,
      rss_start_mb: {
        stalled: mb(start.stalled),
        reading: mb(start.reading),
        rawStalled: mb(start.rawStalled),
      },
      rss_peak_mb: {
        stalled: peak('stalled'),
        reading: peak('reading'),
        rawStalled: peak('rawStalled'),
      },
      rss_every_5s_mb: {
        stalled: curve('stalled'),
        reading: curve('reading'),
        rawStalled: curve('rawStalled'),
      },
      reading_clients_received: received,
      published: Object.fromEntries(setups.map((s) => [s.name, serverStats[s.name].published])),
      ours_stalled_server: pick(serverStats.stalled.server),
      raw_capped_at_mb: rawCapped ? mb(RAW_RSS_CAP) : null,
    }
    return [
      result({
        name: 'memory',
        params: { metric: 'rss with 100 stalled clients', seconds, vs: 'none stalled' },
        unit: 'MiB',
        higherIsBetter: false,
        ours: level('stalled'),
        baseline: level('reading'),
        baselineName: 'ours, 100 reading clients',
        notes,
      }),
      result({
        name: 'memory',
        params: { metric: 'rss with 100 stalled clients', seconds, vs: 'raw ws stalled' },
        unit: 'MiB',
        higherIsBetter: false,
        ours: level('stalled'),
        baseline: level('rawStalled'),
        baselineName: 'raw ws server, 100 stalled clients',
        notes,
      }),
    ]
  } finally {
    await Promise.all([...clients, ...Object.values(servers)].map((p) => p.stop()))
  }
}

export async function run({ quick }) {
  return [...(await idle({ quick })), ...(await stalled({ quick }))]
}
