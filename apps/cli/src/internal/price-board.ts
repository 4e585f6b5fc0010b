import type { FeedStatus, PriceUpdate, ProviderName } from '@crypto-analyzer/core-events'
import { age, byDirection, clockTime, compact, exact, percent, signed, table } from './format.js'
import type { Colors } from './format.js'

/** The latest state of each feed and since when it holds, for footers. */
export class FeedStates {
  readonly #feeds = new Map<ProviderName, { status: FeedStatus; since: number; at: number }>()

  update(status: FeedStatus, at: number): void {
    const previous = this.#feeds.get(status.provider)
    const since = previous?.status.state === status.state ? previous.since : at
    this.#feeds.set(status.provider, { status, since, at })
  }

  /** `mock ● connected · binance ↻ reconnecting · 10:00:01 · Ctrl-C to quit` */
  footer(c: Colors, now: number, final = false): string {
    const feeds = [...this.#feeds.values()].map(({ status, since, at }) =>
      describeFeed(c, status, now - since, now - at),
    )
    const parts = feeds.length > 0 ? feeds : [c.dim('connecting…')]
    const hint = final ? [] : [c.dim('Ctrl-C to quit')]
    return [...parts, c.dim(clockTime(now)), ...hint].join(c.dim(' · '))
  }
}

/**
 * What `stream monitor` shows: the latest update of each symbol and the state of each feed. It
 * only remembers and lays out what the feed manager reported; nothing here decides prices.
 */
export class PriceBoard {
  readonly #symbols: readonly string[]
  readonly #colors: Colors
  readonly #latest = new Map<string, PriceUpdate>()
  readonly #widths: number[] = []
  readonly #feeds = new FeedStates()
  #notice: string | undefined

  constructor(symbols: readonly string[], colors: Colors) {
    this.#symbols = symbols
    this.#colors = colors
  }

  /** True once any price arrived. */
  get hasPrices(): boolean {
    return this.#latest.size > 0
  }

  update(update: PriceUpdate): void {
    this.#latest.set(update.symbol, update)
  }

  status(status: FeedStatus, at: number): void {
    this.#feeds.update(status, at)
  }

  /** A one-line message under the table (the latest feed error). */
  notice(message: string | undefined): void {
    this.#notice = message
  }

  /** The table and footer at `now`; the `final` frame (left on screen at exit) has no Ctrl-C hint. */
  render(now: number, final = false): string {
    const c = this.#colors
    const rows = this.#symbols.map((symbol) => {
      const update = this.#latest.get(symbol)
      if (!update) return [c.bold(symbol), c.dim('waiting…'), '', '', '', '', '']
      const received = update.receivedAt ?? update.timestamp
      const direction = update.change24h
      return [
        c.bold(symbol),
        exact(update.price),
        byDirection(c, direction, signed(update.change24h)),
        byDirection(c, direction, percent(update.changePercent24h)),
        compact(update.volume24h),
        update.source,
        age(now - received),
      ]
    })
    const lines = table(
      [
        { header: c.dim('SYMBOL'), minWidth: 6 },
        { header: c.dim('PRICE'), align: 'right', minWidth: 12 },
        { header: c.dim('24H CHANGE'), align: 'right', minWidth: 12 },
        { header: c.dim('24H %'), align: 'right', minWidth: 8 },
        { header: c.dim('VOLUME'), align: 'right', minWidth: 9 },
        { header: c.dim('SOURCE'), minWidth: 8 },
        { header: c.dim('AGE'), align: 'right', minWidth: 6 },
      ],
      rows,
      this.#widths,
    )
    lines.push('', this.#feeds.footer(c, now, final))
    if (this.#notice !== undefined) lines.push(c.yellow(this.#notice))
    return lines.join('\n')
  }
}

/** A feed's state in words, colored by health. */
export function describeFeed(
  c: Colors,
  status: FeedStatus,
  forMs: number,
  sinceStatusMs = 0,
): string {
  const name = c.bold(status.provider)
  switch (status.state) {
    case 'connected':
      return `${name} ${c.green('● connected')}`
    case 'connecting':
      return `${name} ${c.yellow(`○ connecting ${age(forMs)}`)}`
    case 'reconnecting':
      return `${name} ${c.yellow(`↻ reconnecting for ${age(forMs)}${retryText(status, sinceStatusMs)}${reasonText(status)}`)}`
    case 'stale':
      return `${name} ${c.yellow(`◌ stale for ${age(forMs)}`)}`
    case 'failed_over':
      return `${name} ${c.magenta('⇄ failed over')}`
    case 'stopped':
      return `${name} ${c.dim('■ stopped')}`
  }
}

/** `, retry in 3s` counting down from the wait the feed announced. */
function retryText(status: FeedStatus, sinceStatusMs: number): string {
  if (status.retryInMs === undefined) return ''
  const left = Math.max(0, status.retryInMs - sinceStatusMs)
  return left < 1000 ? ', retrying now' : `, retry in ${Math.ceil(left / 1000)}s`
}

function reasonText(status: FeedStatus): string {
  if (status.reason === undefined || status.reason === '') return ''
  const reason = status.reason.length > 60 ? `${status.reason.slice(0, 59)}…` : status.reason
  return ` (${reason})`
}
