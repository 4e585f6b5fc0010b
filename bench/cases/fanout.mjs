// Fan-out: the real server (ws-server createWsServer + @hono/node-server serve, fed by a
// core-events bus) vs a raw ws broadcast server and vs Socket.IO, with 100, 1,000 and 5,000
// clients in the `prices` room. Servers and clients each run in their own processes (4 client
// processes share every group of clients). All three servers are up, with all their clients
// connected, for the whole size; they take turns publishing (the order rotates every
// repetition), so every window sees the same machine, the same idle sockets and the same noise.
//
// Per repetition and server, two windows:
//   saturation — the publisher offers SAT_LOAD deliveries/s (rate = SAT_LOAD / clients msgs/s),
//                more than this machine can deliver, so the figure is the delivered messages/s
//                (received by clients while the publisher ran) = the server's capacity here;
//   latency    — a moderate LAT_LOAD deliveries/s that every server can carry, and the latency
//                from the publisher handing a message to the server (process.hrtime just before
//                bus.publishPriceUpdate / the broadcast loop / io.emit) to a client's 'message'
//                event (process.hrtime: CLOCK_MONOTONIC, the same clock in every process),
//                joined by message id out of band after the window: p50, p99 and max over
//                every delivery. Messages ours conflates for a slow client have no latency.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mergeHistograms, quantile, result, sleep, spawnNode, summary, waitFor } from '../lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const SERVER = join(here, '../procs/server.mjs')
const CLIENTS = join(here, '../procs/clients.mjs')

const NAMES = { ours: 'ours', raw: 'raw ws broadcast', socketio: 'Socket.IO 4' }
const CLIENT_PROCESSES = 4
const SAT_LOAD = 1_500_000
const LAT_LOAD = 20_000

function settings(quick) {
  return quick
    ? { sizes: [100, 1000], repetitions: 1, satMs: 700, latMs: 700 }
    : { sizes: [100, 1000, 5000], repetitions: 7, satMs: 1500, latMs: 1500 }
}

/** One publishing window on one server; returns its figures. */
async function window(server, clients, name, clientCount, rate, duration) {
  // Every window starts from collected garbage in every process, so none pays an earlier one's.
  await Promise.all([server, ...clients].map((p) => p.request('gc')))
  await sleep(100)
  await Promise.all(clients.map((c) => c.request('arm', { name })))
  const before = await totals(clients, name)
  const pub = await server.request('publish', { rate, duration }, duration + 30_000)
  const published = pub.times.length
  // Let the backlog drain before the next window: every copy arrived, or nothing moved lately.
  const expected = before + published * clientCount
  let last = -1
  let stableSince = Date.now()
  await waitFor(
    async () => {
      const now = await totals(clients, name)
      if (now >= expected) return true
      if (now !== last) {
        last = now
        stableSince = Date.now()
      }
      return Date.now() - stableSince > 400
    },
    { timeout: 30_000, every: 50, what: `${name} clients to drain` },
  )
  const parts = await Promise.all(
    clients.map((c) =>
      c.request('collect', {
        name,
        firstId: pub.firstId,
        times: pub.times,
        t0: pub.t0,
        t1: pub.t1,
      }),
    ),
  )
  const seconds = (pub.t1 - pub.t0) / 1e9
  const hist = mergeHistograms(parts.map((p) => p.hist))
  const delivered = parts.reduce((sum, p) => sum + p.delivered, 0)
  const figures = {
    deliveredPerSecond: parts.reduce((sum, p) => sum + p.inWindow, 0) / seconds,
    offeredPerSecond: (published * clientCount) / seconds,
    deliveredShare: delivered / (published * clientCount),
    p50: quantile(hist, 0.5),
    p99: quantile(hist, 0.99),
    max: hist.max,
  }
  if (process.env.BENCH_DEBUG) {
    const f = (n) => (n >= 100 ? Math.round(n) : n.toFixed(2))
    console.error(
      `${name} n=${clientCount} rate=${rate} published=${published} slipped=${pub.slipped}`,
      Object.entries(figures)
        .map(([k, v]) => `${k}=${f(v)}`)
        .join(' '),
    )
  }
  return figures
}

async function totals(clients, name) {
  const all = await Promise.all(clients.map((c) => c.request('totals')))
  return all.reduce((sum, t) => sum + (t[name] ?? 0), 0)
}

async function runSize(size, impls, { repetitions, satMs, latMs }) {
  const servers = {}
  const clients = []
  try {
    for (const impl of impls) {
      // BENCH_CPU_PROF=<dir> profiles every server process (node --cpu-prof, written at exit).
      const prof = process.env.BENCH_CPU_PROF
      servers[impl] = spawnNode(SERVER, [impl], {
        execArgv: [
          '--expose-gc',
          '--max-old-space-size=4096',
          ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}/${impl}-${size}`] : []),
        ],
      })
    }
    for (let i = 0; i < CLIENT_PROCESSES; i++) {
      clients.push(spawnNode(CLIENTS, [], { execArgv: ['--expose-gc'] }))
    }
    const info = {}
    for (const impl of impls) info[impl] = await servers[impl].request('start')
    for (const impl of impls) {
      await Promise.all(
        clients.map((c, i) => {
          const share = Math.floor(size / CLIENT_PROCESSES) + (i < size % CLIENT_PROCESSES ? 1 : 0)
          return c.request(
            'connect',
            {
              name: impl,
              kind: impl === 'socketio' ? 'socketio' : 'ws',
              url: info[impl].url,
              join: info[impl].join,
              count: share,
            },
            120_000,
          )
        }),
      )
    }
    await sleep(200)
    const figures = Object.fromEntries(
      impls.map((impl) => [impl, { sat: [], lat: [], offered: [], share: [] }]),
    )
    for (let rep = 0; rep < repetitions; rep++) {
      const shift = rep % impls.length
      for (const impl of [...impls.slice(shift), ...impls.slice(0, shift)]) {
        const sat = await window(servers[impl], clients, impl, size, SAT_LOAD / size, satMs)
        const lat = await window(servers[impl], clients, impl, size, LAT_LOAD / size, latMs)
        figures[impl].sat.push(sat.deliveredPerSecond)
        figures[impl].offered.push(sat.offeredPerSecond)
        figures[impl].share.push(sat.deliveredShare)
        figures[impl].lat.push(lat)
      }
    }
    return figures
  } finally {
    await Promise.all([...clients, ...Object.values(servers)].map((p) => p.stop()))
  }
}

export async function run({ quick }) {
  const config = settings(quick)
  if (process.env.BENCH_FANOUT_SIZES)
    config.sizes = process.env.BENCH_FANOUT_SIZES.split(',').map(Number)
  const impls = (process.env.BENCH_FANOUT_SERVERS ?? 'ours,raw,socketio').split(',')
  const results = []
  for (const size of config.sizes) {
    const figures = await runSize(size, impls, config)
    const by = (impl, key) => summary(figures[impl].lat.map((w) => w[key]))
    const ours = impls[0]
    for (const baseline of impls.slice(1)) {
      const common = { name: 'fanout', baselineName: NAMES[baseline] }
      const atThousand = size === 1000
      results.push(
        result({
          ...common,
          params: { clients: size, metric: 'delivered', vs: baseline },
          unit: 'msgs/s',
          higherIsBetter: true,
          ours: summary(figures[ours].sat),
          baseline: summary(figures[baseline].sat),
          target: baseline === 'raw' ? { min: 0.8 } : { min: 1.3 },
          notes: {
            offered_per_s: SAT_LOAD,
            ours_offered_per_s: summary(figures[ours].offered).median,
            baseline_offered_per_s: summary(figures[baseline].offered).median,
            ours_delivered_share: summary(figures[ours].share).median,
            baseline_delivered_share: summary(figures[baseline].share).median,
          },
        }),
      )
      for (const key of ['p50', 'p99', 'max']) {
        const target =
          key === 'p99' && atThousand
            ? baseline === 'raw'
              ? { max: 1.25 }
              : { max: 0.5 }
            : undefined
        results.push(
          result({
            ...common,
            params: { clients: size, metric: `latency ${key}`, vs: baseline },
            unit: 'ms',
            higherIsBetter: false,
            ours: by(ours, key),
            baseline: by(baseline, key),
            ...(target === undefined ? {} : { target }),
            notes: { load_per_s: LAT_LOAD, rate_msgs_per_s: LAT_LOAD / size },
          }),
        )
      }
    }
  }
  return results
}
