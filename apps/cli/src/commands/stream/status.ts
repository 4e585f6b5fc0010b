import { BaseCommand } from '../../base-command.js'
import { age, colorsFor, table } from '../../internal/format.js'
import { hostFlag, portFlag, serverBaseUrl, tokenFlag } from '../../internal/server-flags.js'
import { fetchServerStatus } from '../../internal/status-client.js'
import type { ServerStatus } from '../../internal/status-client.js'

export default class StreamStatus extends BaseCommand<typeof StreamStatus> {
  static override summary = "Show a running server's status: feeds, clients, rooms and the bus."
  static override description =
    'Queries GET /status of a crypto-analyzer server (started with "stream start" or apps/server). Exits 1 with one clear line when the server cannot be reached.'

  static override usage = [
    '<%= command.id %> [--host <host>] [--port <port>] [--token <token>] [--json] [GLOBAL FLAGS]',
  ]

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 8001 --json',
    'CRYPTO_ANALYZER_TOKEN=secret <%= config.bin %> <%= command.id %> --host 10.0.0.5',
  ]

  static override flags = {
    host: hostFlag,
    port: portFlag(false),
    token: tokenFlag,
  }

  async run(): Promise<void> {
    const baseUrl = serverBaseUrl(this.flags.host, this.flags.port)
    const response = await fetchServerStatus(baseUrl, { token: this.flags.token })
    if (this.flags.json) {
      this.print(response.text)
      return
    }
    for (const line of renderStatus(baseUrl, response.status, Date.now())) this.print(line)
  }
}

function renderStatus(baseUrl: string, status: ServerStatus, now: number): string[] {
  const colors = colorsFor(process.stdout)
  const state = status.status ?? 'unknown'
  const stateText = state === 'ok' ? colors.green(state) : colors.yellow(state)
  const rooms = Object.entries(status.rooms ?? {})
    .map(([room, count]) => `${room} ${count}`)
    .join(', ')
  const lines = [
    `${colors.bold('Server')}   ${baseUrl}  ${stateText}  v${status.version ?? '?'}  up ${age((status.uptime_seconds ?? 0) * 1000)}`,
    `${colors.bold('Clients')}  ${status.clients ?? 0}  rooms: ${rooms === '' ? 'none' : rooms}`,
  ]
  if (status.bus) {
    lines.push(
      `${colors.bold('Bus')}      ${status.bus.events_published ?? 0} published, ${status.bus.events_processed ?? 0} processed, ${status.bus.active_subscriptions ?? 0} subscriptions`,
    )
  }
  if (status.cluster) {
    const cluster = status.cluster
    lines.push(
      `${colors.bold('Cluster')}  node ${cluster.node_id ?? '?'}${cluster.leader === true ? ' (leader)' : ''}, ${cluster.nodes?.length ?? 0} nodes, redis ${cluster.redis ?? '?'}`,
    )
  }
  const feeds = status.feeds ?? []
  lines.push('')
  if (feeds.length === 0) {
    lines.push('No feeds.')
    return lines
  }
  const rows = feeds.map((feed) => {
    const lastAt = feed.last_message_at ? Date.parse(feed.last_message_at) : Number.NaN
    const feedState = feed.state ?? '?'
    return [
      feed.provider ?? '?',
      feedState === 'connected' ? colors.green(feedState) : colors.yellow(feedState),
      (feed.symbols ?? []).join(','),
      String(feed.messages_received ?? 0),
      age((feed.uptime_seconds ?? 0) * 1000),
      typeof feed.latency_ms === 'number' ? `${feed.latency_ms.toFixed(1)}ms` : '-',
      String(feed.reconnects ?? 0),
      String(feed.dropped_frames ?? 0),
      Number.isNaN(lastAt) ? '-' : `${age(now - lastAt)} ago`,
    ]
  })
  lines.push(
    ...table(
      [
        { header: 'PROVIDER' },
        { header: 'STATE' },
        { header: 'SYMBOLS' },
        { header: 'MESSAGES', align: 'right' },
        { header: 'UPTIME', align: 'right' },
        { header: 'LATENCY', align: 'right' },
        { header: 'RECONNECTS', align: 'right' },
        { header: 'DROPPED', align: 'right' },
        { header: 'LAST MESSAGE', align: 'right' },
      ],
      rows,
    ),
  )
  return lines
}
