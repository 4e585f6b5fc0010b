import { encodePortfolioUpdate } from '@crypto-analyzer/core-events'
import type { FeedStatus, PortfolioSnapshot } from '@crypto-analyzer/core-events'
import { createPortfolioMonitor } from '@crypto-analyzer/portfolio'
import type { HoldingRecord } from '@crypto-analyzer/portfolio'
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
import { clockTime, colorsFor } from '../../internal/format.js'
import { runUntilStopped } from '../../internal/lifecycle.js'
import { PortfolioBoard, snapshotLine } from '../../internal/portfolio-board.js'
import { openStateStore, stateFlags } from '../../internal/state.js'

interface ShowOutput {
  snapshot(snapshot: PortfolioSnapshot): void
  status(status: FeedStatus): void
  problem(message: string): void
  close(): void
}

export default class PortfolioShow extends BaseCommand<typeof PortfolioShow> {
  static override summary =
    'Value the saved holdings live: a table redrawn in place like stream monitor.'
  static override description = `Each holding at the latest price (amount, price, value, 24h change, allocation, and profit/loss when a cost basis was saved) with exact totals. Plain lines when stdout is not a terminal; with --json one portfolio_update message (the wire contract) per line.`

  static override usage = [
    `<%= command.id %> [--provider ${PROVIDER_USAGE}] [--fallback <provider>...] [--refresh <s>] [--duration <s>] [--redis-url <url>] [--json] [GLOBAL FLAGS]`,
  ]

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --provider binance --fallback coinbase',
    '<%= config.bin %> <%= command.id %> --json --duration 5',
  ]

  static override flags = {
    provider: providerFlag(),
    fallback: fallbackFlag(),
    refresh: secondsFlag({ description: 'Seconds between redraws [default: 1].' }),
    duration: secondsFlag({ description: 'Stop after this many seconds (default: until Ctrl-C).' }),
    ...stateFlags,
  }

  async run(): Promise<void> {
    const flags = this.flags
    const { store, where, close } = await openStateStore(flags, this.packageLogger)
    let holdings: HoldingRecord[]
    try {
      holdings = await store.readHoldings()
    } finally {
      await close()
    }
    if (holdings.length === 0) {
      this.failure(`no holdings saved in ${where('holdings')}`, [
        `${this.config.bin} portfolio add BTC 0.5`,
      ])
    }
    const refreshMs = flags.refresh ?? 1000
    const tty = process.stdout.isTTY && !flags.json
    const monitor = createPortfolioMonitor({
      logger: this.packageLogger,
      // Pipes get one line per refresh at most; a terminal redraws on its own timer.
      throttle: tty ? 250 : refreshMs,
    })
    for (const holding of holdings) {
      monitor.addHolding(
        holding.symbol,
        holding.amount,
        holding.costBasis === undefined ? {} : { costBasis: holding.costBasis },
      )
    }
    const symbols = holdings.map((holding) => holding.symbol)
    const providers = [flags.provider, ...fallbackList(flags.provider, flags.fallback)]
    const tracker = new GiveUpTracker(symbols, providers)
    const feeds = createFeeds(symbols, flags, this.packageLogger)
    const run = runUntilStopped({ durationMs: flags.duration })
    const output = flags.json
      ? this.jsonOutput()
      : tty
        ? await this.tableOutput(refreshMs)
        : this.lineOutput()

    monitor.onSnapshot((snapshot) => {
      output.snapshot(snapshot)
    })
    feeds.onStatus((status) => {
      output.status(status)
    })
    feeds.onError((error) => {
      output.problem(describeFeedError(error))
      if (tracker.record(error)) run.stop('failure')
    })
    const detach = monitor.attach(feeds.updates$)

    let reason
    try {
      await feeds.start()
      reason = await run.stopped
    } finally {
      run.dispose()
      detach()
      await feeds.stop()
      await monitor.stop()
      output.close()
    }
    if (reason === 'failure') {
      this.failure(`no holding can be priced: ${tracker.summary ?? 'every provider gave up'}`)
    }
  }

  private jsonOutput(): ShowOutput {
    return {
      snapshot: (snapshot) => {
        this.print(encodePortfolioUpdate(snapshot, { sentAt: Date.now() }))
      },
      status: (status) => {
        this.logger.info(
          { feed: status.provider, state: status.state },
          status.reason ?? 'feed state',
        )
      },
      problem: (message) => {
        this.notice(message)
      },
      close: () => undefined,
    }
  }

  private lineOutput(): ShowOutput {
    return {
      snapshot: (snapshot) => {
        this.print(snapshotLine(snapshot, Date.now()))
      },
      status: (status) => {
        this.notice(`feed ${status.provider}: ${status.state}`)
      },
      problem: (message) => {
        this.notice(message)
      },
      close: () => undefined,
    }
  }

  private async tableOutput(refreshMs: number): Promise<ShowOutput> {
    // As in `stream monitor`: only a terminal table loads log-update.
    const { startLiveTable } = await import('../../internal/live-view.js')
    const board = new PortfolioBoard(colorsFor(process.stdout))
    const live = startLiveTable((now, final) => board.render(now, final), refreshMs)
    let priced = false
    return {
      snapshot: (snapshot) => {
        board.snapshot(snapshot)
        // The first prices show at once; after that the table follows --refresh.
        if (!priced && snapshot.holdings.some((holding) => holding.price !== undefined)) {
          priced = true
          live.drawNow()
        }
      },
      status: (status) => {
        board.status(status, Date.now())
      },
      problem: (message) => {
        board.notice(`${clockTime(Date.now())} ${message}`)
      },
      close: () => {
        live.close()
      },
    }
  }
}
