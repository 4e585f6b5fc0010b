import { encodePriceData } from '@crypto-analyzer/core-events'
import type { FeedStatus, PriceUpdate } from '@crypto-analyzer/core-events'
import { BaseCommand } from '../../base-command.js'
import { describeFeedError, GiveUpTracker } from '../../internal/feed-errors.js'
import { createFeeds } from '../../internal/feeds.js'
import {
  DEFAULT_SYMBOLS,
  fallbackFlag,
  fallbackList,
  PROVIDER_USAGE,
  providerFlag,
  secondsFlag,
  symbolsFlag,
} from '../../internal/flags.js'
import { clockTime, colorsFor, compact, exact, percent, signed } from '../../internal/format.js'
import { runUntilStopped } from '../../internal/lifecycle.js'
import { PriceBoard } from '../../internal/price-board.js'

/** Where `stream monitor` sends what the feeds report. */
interface MonitorOutput {
  price(update: PriceUpdate): void
  status(status: FeedStatus): void
  problem(message: string): void
  close(): void
}

export default class StreamMonitor extends BaseCommand<typeof StreamMonitor> {
  static override summary = 'Watch live prices in a table redrawn in place.'
  static override description = `On a terminal the table is redrawn in place (symbol, price, 24h change, %, volume, source, age) with a footer showing each feed's state; Ctrl-C restores the terminal and exits 0.
When stdout is not a terminal every update is one plain line; with --json every update is one NDJSON line holding the price_update data of the wire contract.`

  static override usage = [
    `<%= command.id %> [--symbols <list>] [--provider ${PROVIDER_USAGE}] [--refresh <s>] [--fallback <provider>...] [--duration <s>] [--json] [GLOBAL FLAGS]`,
  ]

  static override examples = [
    '<%= config.bin %> <%= command.id %> --symbols BTC --provider mock',
    '<%= config.bin %> <%= command.id %> --symbols BTC,ETH,ADA --provider binance --fallback coinbase',
    '<%= config.bin %> <%= command.id %> --provider coinbase --quote EUR --refresh 0.5',
    '<%= config.bin %> <%= command.id %> --provider mock --json --duration 5 | jq .price',
  ]

  static override flags = {
    symbols: symbolsFlag(),
    provider: providerFlag(),
    refresh: secondsFlag({
      description: 'Seconds between table redraws on a terminal [default: 1].',
    }),
    fallback: fallbackFlag(),
    duration: secondsFlag({ description: 'Stop after this many seconds (default: until Ctrl-C).' }),
  }

  async run(): Promise<void> {
    const flags = this.flags
    const symbols = flags.symbols ?? [...DEFAULT_SYMBOLS]
    const providers = [flags.provider, ...fallbackList(flags.provider, flags.fallback)]
    const tracker = new GiveUpTracker(symbols, providers)
    const feeds = createFeeds(symbols, flags, this.packageLogger)
    const run = runUntilStopped({ durationMs: flags.duration })
    const output = flags.json
      ? this.jsonOutput()
      : process.stdout.isTTY
        ? await this.tableOutput(symbols, flags.refresh ?? 1000)
        : this.lineOutput()

    feeds.addHandler((update) => {
      output.price(update)
    })
    feeds.onStatus((status) => {
      output.status(status)
    })
    feeds.onError((error) => {
      output.problem(describeFeedError(error))
      if (tracker.record(error)) run.stop('failure')
    })

    let reason
    try {
      await feeds.start()
      reason = await run.stopped
    } finally {
      run.dispose()
      await feeds.stop()
      output.close()
    }
    if (reason === 'failure') {
      this.failure(`no symbol can be streamed: ${tracker.summary ?? 'every provider gave up'}`)
    }
  }

  private jsonOutput(): MonitorOutput {
    return {
      price: (update) => {
        this.print(encodePriceData(update))
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

  private lineOutput(): MonitorOutput {
    return {
      price: (update) => {
        this.print(
          [
            clockTime(update.timestamp),
            update.symbol,
            exact(update.price),
            signed(update.change24h),
            percent(update.changePercent24h),
            `vol ${compact(update.volume24h)}`,
            update.source,
          ].join(' '),
        )
      },
      status: (status) => {
        this.notice(
          `feed ${status.provider}: ${status.state}${status.reason === undefined ? '' : ` (${status.reason})`}`,
        )
      },
      problem: (message) => {
        this.notice(message)
      },
      close: () => undefined,
    }
  }

  private async tableOutput(symbols: readonly string[], refreshMs: number): Promise<MonitorOutput> {
    // log-update and its ANSI helpers cost about as much to load as a price feed; only a terminal
    // table needs them, so --json and piped lines start without them.
    const { startLiveTable } = await import('../../internal/live-view.js')
    const board = new PriceBoard(symbols, colorsFor(process.stdout))
    const live = startLiveTable((now, final) => board.render(now, final), refreshMs)
    return {
      price: (update) => {
        const first = !board.hasPrices
        board.update(update)
        // The first prices show at once; after that the table follows --refresh.
        if (first) live.drawNow()
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
