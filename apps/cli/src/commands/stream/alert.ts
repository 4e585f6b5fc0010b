import {
  CryptoAnalyzerError,
  encodeAlertTriggered,
  normalizeSymbol,
} from '@crypto-analyzer/core-events'
import type { AlertEvent } from '@crypto-analyzer/core-events'
import { createAlertEngine, createAlertId, parseAlertCondition } from '@crypto-analyzer/portfolio'
import type { AlertDefinition, StateStore } from '@crypto-analyzer/portfolio'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { describeFeedError, GiveUpTracker } from '../../internal/feed-errors.js'
import { createFeeds } from '../../internal/feeds.js'
import {
  fallbackFlag,
  fallbackList,
  PROVIDER_USAGE,
  providerFlag,
  secondsFlag,
} from '../../internal/flags.js'
import { clockTime, colorsFor, exact, table } from '../../internal/format.js'
import { runUntilStopped } from '../../internal/lifecycle.js'
import { openStateStore, stateFlags } from '../../internal/state.js'

const BELL = '\u0007'

export default class StreamAlert extends BaseCommand<typeof StreamAlert> {
  static override summary = 'Save a price alert, then watch it fire live.'
  static override description = `A condition is <field> <op> <number>, fields price, change_24h, change_percent_24h, volume_24h, operators > >= < <= crosses_above crosses_below, joined with "and". An alert fires on its edge (false → true), once, and re-arms when the condition is false again; --cooldown spaces repeats.
Alerts are saved in $CRYPTO_ANALYZER_HOME/alerts.json, or in Redis with --redis-url / CRYPTO_ANALYZER_REDIS_URL (shared with servers started with the same URL); a running server (stream start) picks a new one up within 5 s without a restart. After saving, the command watches the symbol and prints each firing with the terminal bell, until Ctrl-C (--no-watch just saves).`

  static override usage = [
    `<%= command.id %> --symbol <symbol> --condition <condition> [--message <text>] [--cooldown <s>] [--provider ${PROVIDER_USAGE}] [--fallback <provider>...] [--[no-]watch] [--duration <s>] [--redis-url <url>] [--json] [GLOBAL FLAGS]`,
    '<%= command.id %> --list [--redis-url <url>] [--json]',
    '<%= command.id %> --remove <id> [--redis-url <url>] [--json]',
  ]

  static override examples = [
    '<%= config.bin %> <%= command.id %> --symbol BTC --condition "price > 50000" --message "BTC above 50k"',
    '<%= config.bin %> <%= command.id %> --symbol ETH --condition "change_percent_24h < -5 and volume_24h > 1000" --cooldown 300 --no-watch',
    '<%= config.bin %> <%= command.id %> --list',
    '<%= config.bin %> <%= command.id %> --remove 3f9a1c2b',
  ]

  static override flags = {
    symbol: Flags.string({
      description: 'Base symbol to watch, e.g. BTC.',
      helpValue: '<symbol>',
      parse: (input) => Promise.resolve(normalizeSymbol(input)),
      exclusive: ['list', 'remove'],
    }),
    condition: Flags.string({
      description: 'When to fire, e.g. "price > 50000" or "price crosses_below 3000".',
      helpValue: '<condition>',
      parse: (input) => Promise.resolve(parseAlertCondition(input).text),
      exclusive: ['list', 'remove'],
    }),
    message: Flags.string({
      description: 'Text printed when it fires [default: "<SYMBOL> <condition>"].',
      helpValue: '<text>',
      exclusive: ['list', 'remove'],
    }),
    provider: providerFlag(),
    fallback: fallbackFlag(),
    list: Flags.boolean({ description: 'List the saved alerts.', exclusive: ['remove'] }),
    remove: Flags.string({
      description: 'Delete the saved alert with this id.',
      helpValue: '<id>',
    }),
    watch: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'After saving, watch live and print each firing (--no-watch only saves).',
    }),
    cooldown: secondsFlag({ description: 'Least seconds between two firings [default: 0].' }),
    duration: secondsFlag({
      description: 'Stop watching after this many seconds (default: until Ctrl-C).',
    }),
    ...stateFlags,
  }

  async run(): Promise<void> {
    const { store, close } = await openStateStore(this.flags, this.packageLogger)
    let alert: AlertDefinition
    try {
      if (this.flags.list) {
        await this.list(store)
        return
      }
      if (this.flags.remove !== undefined) {
        await this.remove(store, this.flags.remove)
        return
      }
      const { symbol, condition } = this.flags
      if (symbol === undefined || condition === undefined) {
        this.usageError(
          'stream alert needs --symbol and --condition to save an alert (or --list, or --remove <id>)',
        )
      }
      alert = await this.save(store, symbol, condition)
    } finally {
      await close()
    }
    if (this.flags.watch) await this.watch(alert)
  }

  private async save(
    store: StateStore,
    symbol: string,
    condition: string,
  ): Promise<AlertDefinition> {
    let saved: AlertDefinition | undefined
    await store.updateAlerts((current) => {
      const taken = new Set(current.map((alert) => alert.id))
      let id = createAlertId()
      while (taken.has(id)) id = createAlertId()
      saved = {
        id,
        symbol,
        condition,
        ...(this.flags.message === undefined ? {} : { message: this.flags.message }),
        ...(this.flags.cooldown === undefined ? {} : { cooldown: this.flags.cooldown }),
      }
      return [...current, saved]
    })
    const alert = saved as AlertDefinition
    if (this.flags.json) {
      this.print(JSON.stringify(alert))
    } else {
      const message = alert.message === undefined ? '' : ` ("${alert.message}")`
      this.print(`Alert ${alert.id ?? '?'} saved: ${symbol} ${condition}${message}`)
    }
    return alert
  }

  private async watch(alert: AlertDefinition): Promise<void> {
    const flags = this.flags
    const engine = createAlertEngine({ logger: this.packageLogger })
    engine.addAlert(alert)
    const symbols = [alert.symbol]
    const providers = [flags.provider, ...fallbackList(flags.provider, flags.fallback)]
    const tracker = new GiveUpTracker(symbols, providers)
    const feeds = createFeeds(symbols, flags, this.packageLogger)
    const run = runUntilStopped({ durationMs: flags.duration })
    const tty = process.stdout.isTTY && !flags.json
    const colors = colorsFor(process.stdout)

    engine.onAlert((event) => {
      this.print(flags.json ? encodeAlertTriggered(event, { sentAt: Date.now() }) : firing(event))
      if (tty) process.stdout.write(BELL)
    })
    feeds.onStatus((status) => {
      engine.applyFeedStatus(status)
    })
    feeds.onError((error) => {
      this.notice(describeFeedError(error))
      if (tracker.record(error)) run.stop('failure')
    })
    const detach = engine.attach(feeds.updates$)
    if (!flags.json) {
      this.notice(
        colors.dim(
          `Watching ${alert.symbol} on ${flags.provider}; Ctrl-C stops watching (the alert stays saved).`,
        ),
      )
    }

    let reason
    try {
      await feeds.start()
      reason = await run.stopped
    } finally {
      run.dispose()
      detach()
      engine.stop()
      await feeds.stop()
    }
    if (reason === 'failure') {
      this.failure(`cannot watch ${alert.symbol}: ${tracker.summary ?? 'every provider gave up'}`)
    }
  }

  private async list(store: StateStore): Promise<void> {
    const alerts = await store.readAlerts()
    if (this.flags.json) {
      this.print(JSON.stringify(alerts))
      return
    }
    if (alerts.length === 0) {
      this.print(
        `No alerts saved. Add one: ${this.config.bin} stream alert --symbol BTC --condition "price > 50000"`,
      )
      return
    }
    const c = colorsFor(process.stdout)
    const rows = alerts.map((alert) => [
      alert.id ?? '?',
      c.bold(alert.symbol),
      alert.condition,
      alert.message ?? c.dim(`${alert.symbol} ${alert.condition}`),
      alert.cooldown === undefined || alert.cooldown === 0 ? '-' : `${alert.cooldown / 1000}s`,
      alert.createdAt === undefined ? '-' : new Date(alert.createdAt).toISOString().slice(0, 19),
    ])
    for (const line of table(
      [
        { header: c.dim('ID') },
        { header: c.dim('SYMBOL') },
        { header: c.dim('CONDITION') },
        { header: c.dim('MESSAGE') },
        { header: c.dim('COOLDOWN'), align: 'right' },
        { header: c.dim('CREATED (UTC)') },
      ],
      rows,
    )) {
      this.print(line)
    }
  }

  private async remove(store: StateStore, id: string): Promise<void> {
    let removed: AlertDefinition | undefined
    await store.updateAlerts((current) => {
      removed = current.find((alert) => alert.id === id)
      if (!removed) {
        throw new CryptoAnalyzerError(
          'NOT_FOUND',
          `no saved alert has id ${JSON.stringify(id)}; "${this.config.bin} stream alert --list" shows the ids`,
        )
      }
      return current.filter((alert) => alert.id !== id)
    })
    const alert = removed as AlertDefinition
    if (this.flags.json) this.print(JSON.stringify(alert))
    else this.print(`Removed alert ${id}: ${alert.symbol} ${alert.condition}`)
  }
}

/** `🔔 10:00:00 BTC price > 50000 at 50001.5: BTC above 50k` */
function firing(event: AlertEvent): string {
  const c = colorsFor(process.stdout)
  return `${c.yellow('🔔')} ${clockTime(event.triggeredAt)} ${c.bold(event.symbol)} ${event.condition} at ${exact(event.price)}: ${event.message}`
}
