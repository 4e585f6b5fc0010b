import { variableOf } from '@crypto-analyzer/config'
import { startService } from '@crypto-analyzer/ws-server'
import type { ServiceOptions } from '@crypto-analyzer/ws-server'
import { Flags } from '@oclif/core'
import open from 'open'
import { BaseCommand } from '../../base-command.js'
import {
  DEFAULT_SYMBOLS,
  fallbackFlag,
  fallbackList,
  PROVIDER_USAGE,
  providerFlag,
  symbolsFlag,
  venueUrls,
} from '../../internal/flags.js'
import { colorsFor } from '../../internal/format.js'
import { runUntilStopped } from '../../internal/lifecycle.js'
import { hostFlag, portFlag, serverBaseUrl, tokenFlag } from '../../internal/server-flags.js'
import { homeFlag, redisPrefixFlag, redisUrlFlag, stateHome } from '../../internal/state.js'

export default class StreamStart extends BaseCommand<typeof StreamStart> {
  static override summary = 'Run the WebSocket server and dashboard in the foreground.'
  static override description = `The same server as apps/server: live prices, portfolio and alerts over WebSocket (/ws), the dashboard (/), /status, /health and /metrics. Saved holdings and alerts are picked up live (from Redis with --redis-url). Ctrl-C or SIGTERM closes every client with code 1001 and exits 0.`

  static override usage = [
    `<%= command.id %> [--host <host>] [--port <port>] [--symbols <list>] [--provider ${PROVIDER_USAGE}] [--[no-]dashboard] [--fallback <provider>...] [--token <token>] [--allowed-origins <origins>] [--redis-url <url>] [--json] [GLOBAL FLAGS]`,
  ]

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 8001 --symbols BTC,ETH --provider mock',
    '<%= config.bin %> <%= command.id %> --provider binance --fallback coinbase --dashboard',
    '<%= config.bin %> <%= command.id %> --host 0.0.0.0 --token s3cret --allowed-origins https://example.com',
  ]

  static override flags = {
    host: hostFlag,
    port: portFlag(true),
    symbols: symbolsFlag({ env: variableOf('symbols') }),
    provider: providerFlag({ env: variableOf('provider') }),
    dashboard: Flags.boolean({
      default: false,
      allowNo: true,
      description: 'Open the dashboard in the default browser (never fails without one).',
    }),
    fallback: fallbackFlag(),
    token: tokenFlag,
    'allowed-origins': Flags.string({
      env: variableOf('allowed-origins'),
      description: 'Comma-separated browser origins allowed to connect (others get 403).',
      helpValue: '<origins>',
    }),
    'redis-url': redisUrlFlag(
      'Redis URL that makes several server processes one service; holdings and alerts then live in Redis too.',
    ),
    'redis-prefix': redisPrefixFlag,
    home: homeFlag,
    'node-id': Flags.string({
      env: variableOf('node-id'),
      description:
        "With --redis-url: this process's name in the service [default: <hostname>-<pid>-<random>].",
      helpValue: '<id>',
    }),
    'leader-lease': Flags.integer({
      env: variableOf('leader-lease'),
      min: 500,
      max: 600_000,
      description:
        "With --redis-url: the leader's lease in ms, renewed every 30 % of it [default: 5000].",
      helpValue: '<ms>',
    }),
  }

  async run(): Promise<void> {
    const flags = this.flags
    const options: ServiceOptions = {
      host: flags.host,
      port: flags.port,
      provider: flags.provider,
      fallback: fallbackList(flags.provider, flags.fallback),
      symbols: flags.symbols ?? [...DEFAULT_SYMBOLS],
      home: stateHome(flags.home),
      logger: this.packageLogger,
      version: this.config.version,
      ...(flags.quote === undefined ? {} : { quote: flags.quote }),
      ...(flags.interval === undefined ? {} : { interval: flags.interval }),
      ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      urls: venueUrls(flags),
      ...(flags.token === undefined ? {} : { token: flags.token }),
      ...(flags['allowed-origins'] === undefined
        ? {}
        : { allowedOrigins: splitList(flags['allowed-origins']) }),
      ...(flags['redis-url'] === undefined ? {} : { redisUrl: flags['redis-url'] }),
      ...(flags['redis-prefix'] === undefined ? {} : { redisPrefix: flags['redis-prefix'] }),
      ...(flags['node-id'] === undefined ? {} : { nodeId: flags['node-id'] }),
      ...(flags['leader-lease'] === undefined ? {} : { leaderLease: flags['leader-lease'] }),
    }
    // Signals are handled from here on, so a Ctrl-C during start-up still closes cleanly.
    const run = runUntilStopped()
    let service
    try {
      service = await startService(options)
    } catch (error) {
      run.dispose()
      throw error
    }
    try {
      // A wildcard listen address is not something to type into a browser: show loopback.
      const base = serverBaseUrl(flags.host, service.port)
      const dashboard = `${base}/`
      if (flags.json) {
        this.print(JSON.stringify({ url: base, port: service.port, dashboard, ws: wsUrl(base) }))
      } else {
        const c = colorsFor(process.stdout)
        this.print(`${c.green('crypto-analyzer server')} listening on ${c.bold(service.url)}`)
        this.print(`  dashboard  ${dashboard}`)
        this.print(`  websocket  ${wsUrl(base)}`)
        this.print(`  status     ${base}/status`)
        this.print(c.dim('Ctrl-C to stop.'))
      }
      if (flags.dashboard) await this.openBrowser(dashboard)
      await run.stopped
    } finally {
      run.dispose()
      await service.close()
    }
    if (!flags.json) this.notice('server stopped')
  }

  /** Opens the dashboard; without a browser it says so and carries on. */
  private async openBrowser(url: string): Promise<void> {
    const fallback = (): void => {
      this.notice(`Could not open a browser: open ${url} yourself.`)
    }
    try {
      const child = await open(url)
      child.once('error', fallback)
    } catch {
      fallback()
    }
  }
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}

function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/ws`
}
