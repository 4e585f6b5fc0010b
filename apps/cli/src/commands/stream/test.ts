import { createLogUpdate } from 'log-update'
import type { FeedStatus } from '@crypto-analyzer/core-events'
import { BaseCommand } from '../../base-command.js'
import { describeFeedError, GiveUpTracker } from '../../internal/feed-errors.js'
import { createFeeds } from '../../internal/feeds.js'
import {
  DEFAULT_SYMBOLS,
  fallbackFlag,
  fallbackList,
  providerFlag,
  secondsFlag,
  symbolsFlag,
} from '../../internal/flags.js'
import { colorsFor, table } from '../../internal/format.js'
import { runUntilStopped } from '../../internal/lifecycle.js'
import { withSize } from '../../internal/live-view.js'
import { TestTally } from '../../internal/test-report.js'
import type { TestReport } from '../../internal/test-report.js'

export default class StreamTest extends BaseCommand<typeof StreamTest> {
  static override summary = 'Run the feed pipeline for a while and report what it delivered.'
  static override description = `Streams the symbols for --duration seconds (a progress line on stderr while it runs), then prints messages per symbol, last price, time to first message, latency p50/p99 (exchange event time to arrival), reconnects and dropped frames.
Exits 0 only when every symbol delivered data, 1 otherwise. With --json the report is one JSON object.`

  static override usage = [
    '<%= command.id %> [--symbols <list>] [--provider binance|coinbase|mock] [--duration <s>] [--fallback <provider>...] [--json] [GLOBAL FLAGS]',
  ]

  static override examples = [
    '<%= config.bin %> <%= command.id %> --symbols BTC --duration 10',
    '<%= config.bin %> <%= command.id %> --provider binance --symbols BTC,ETH --duration 5 --json',
    '<%= config.bin %> <%= command.id %> --provider binance --binance-url ws://127.0.0.1:9443/ws',
  ]

  static override flags = {
    symbols: symbolsFlag(),
    provider: providerFlag(),
    duration: secondsFlag({ description: 'How long to stream, in seconds [default: 10].' }),
    fallback: fallbackFlag(),
  }

  async run(): Promise<void> {
    const flags = this.flags
    const symbols = flags.symbols ?? [...DEFAULT_SYMBOLS]
    const durationMs = flags.duration ?? 10_000
    const providers = [flags.provider, ...fallbackList(flags.provider, flags.fallback)]
    const tracker = new GiveUpTracker(symbols, providers)
    const feeds = createFeeds(symbols, flags, this.packageLogger)
    const startedAt = Date.now()
    const tally = new TestTally(symbols, startedAt)
    const run = runUntilStopped({ durationMs })
    const progress = this.progress(() => {
      const elapsed = (Date.now() - startedAt) / 1000
      return `testing ${flags.provider}: ${elapsed.toFixed(1)}/${durationMs / 1000} s, ${tally.messages} messages, ${symbols.length - tally.silent.length}/${symbols.length} symbols`
    })

    feeds.addHandler((update) => {
      tally.record(update, Date.now())
    })
    const lastStatus = new Map<string, FeedStatus>()
    const unwatchStatus = feeds.onStatus((status) => {
      lastStatus.set(status.provider, status)
    })
    feeds.onError((error) => {
      this.logger.debug({ provider: error.provider }, describeFeedError(error))
      if (tracker.record(error)) run.stop('failure')
    })

    let reason
    let report: TestReport
    try {
      await feeds.start()
      reason = await run.stopped
    } finally {
      run.dispose()
      unwatchStatus()
      progress.stop()
      report = tally.report({
        provider: flags.provider,
        durationMs: reason === 'duration' ? durationMs : Date.now() - startedAt,
        counts: feeds.getStatus().providers,
      })
      await feeds.stop()
    }

    if (flags.json) this.print(JSON.stringify(report))
    else for (const line of renderReport(report, reason === 'signal')) this.print(line)

    if (!report.ok && reason !== 'signal') {
      const silent = tally.silent
      // Say why: what the feeds reported, else the state of every provider that never connected.
      const unhealthy = [...lastStatus.values()]
        .filter((status) => status.state !== 'connected')
        .map(
          (status) =>
            `${status.provider} ${status.state}${status.reason === undefined ? '' : ` (${status.reason})`}`,
        )
      const why = tracker.summary ?? (unhealthy.length > 0 ? unhealthy.join('; ') : undefined)
      this.failure(
        `${silent.join(', ')} delivered no data in ${report.duration_seconds} s${why === undefined ? '' : `: ${why}`}`,
        why === undefined
          ? [
              `try a longer --duration, or check the provider with ${this.config.bin} stream monitor`,
            ]
          : [],
      )
    }
  }

  /** A progress line on stderr, redrawn in place, only when stderr is a terminal. */
  private progress(text: () => string): { stop(): void } {
    if (!process.stderr.isTTY) return { stop: () => undefined }
    const render = createLogUpdate(withSize(process.stderr))
    const draw = (): void => {
      render(text())
    }
    draw()
    const timer = setInterval(draw, 200)
    return {
      stop: () => {
        clearInterval(timer)
        render.clear()
        render.done()
      },
    }
  }
}

function renderReport(report: TestReport, interrupted: boolean): string[] {
  const c = colorsFor(process.stdout)
  const verdict = interrupted
    ? c.yellow('interrupted')
    : report.ok
      ? c.green('✓ every symbol delivered data')
      : c.red('✗ some symbols delivered no data')
  const rows = Object.entries(report.symbols).map(([symbol, entry]) => [
    c.bold(symbol),
    entry.messages === 0 ? c.red('0') : String(entry.messages),
    entry.last_price ?? '-',
    entry.first_message_ms === null ? '-' : `${entry.first_message_ms} ms`,
  ])
  const latency = (value: number | null): string => (value === null ? '-' : `${value} ms`)
  return [
    `${c.bold('stream test')}  provider ${report.provider}, ${report.duration_seconds} s  ${verdict}`,
    '',
    ...table(
      [
        { header: c.dim('SYMBOL') },
        { header: c.dim('MESSAGES'), align: 'right' },
        { header: c.dim('LAST PRICE'), align: 'right' },
        { header: c.dim('FIRST MESSAGE'), align: 'right' },
      ],
      rows,
    ),
    '',
    `messages ${report.messages_received} · reconnects ${report.reconnects} · dropped frames ${report.dropped_frames} · latency p50 ${latency(report.latency_ms.p50)}, p99 ${latency(report.latency_ms.p99)}`,
  ]
}
