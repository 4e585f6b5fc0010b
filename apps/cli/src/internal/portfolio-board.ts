import type { FeedStatus, PortfolioSnapshot } from '@crypto-analyzer/core-events'
import { roundForDisplay } from '@crypto-analyzer/portfolio'
import { byDirection, clockTime, exact, percent, table } from './format.js'
import type { Colors } from './format.js'
import { FeedStates } from './price-board.js'

/** Lays out a portfolio snapshot as a table with totals and the feeds' state. */
export class PortfolioBoard {
  readonly #colors: Colors
  readonly #feeds = new FeedStates()
  readonly #widths: number[] = []
  #snapshot: PortfolioSnapshot | undefined
  #notice: string | undefined

  constructor(colors: Colors) {
    this.#colors = colors
  }

  snapshot(snapshot: PortfolioSnapshot): void {
    this.#snapshot = snapshot
  }

  status(status: FeedStatus, at: number): void {
    this.#feeds.update(status, at)
  }

  notice(message: string | undefined): void {
    this.#notice = message
  }

  render(now: number, final = false): string {
    const c = this.#colors
    const snapshot = this.#snapshot
    const lines: string[] = []
    if (snapshot) {
      const withPnl = snapshot.holdings.some((holding) => holding.unrealizedPnl !== undefined)
      const rows = snapshot.holdings.map((holding) => {
        const row = [
          c.bold(holding.symbol),
          exact(holding.amount),
          holding.price === undefined ? c.dim('waiting…') : exact(holding.price),
          holding.price === undefined ? '' : roundForDisplay(holding.value),
          holding.price === undefined
            ? ''
            : byDirection(c, holding.change24h, signedMoney(holding.change24h)),
          holding.allocationPercent === undefined
            ? ''
            : `${roundForDisplay(holding.allocationPercent)}%`,
          holding.stale === true ? c.yellow('stale') : '',
        ]
        if (withPnl) {
          row.splice(
            6,
            0,
            holding.unrealizedPnl === undefined
              ? '-'
              : byDirection(c, holding.unrealizedPnl, signedMoney(holding.unrealizedPnl)),
          )
        }
        return row
      })
      const columns = [
        { header: c.dim('SYMBOL') },
        { header: c.dim('AMOUNT'), align: 'right' as const },
        { header: c.dim('PRICE'), align: 'right' as const, minWidth: 12 },
        { header: c.dim('VALUE'), align: 'right' as const, minWidth: 12 },
        { header: c.dim('24H CHANGE'), align: 'right' as const, minWidth: 12 },
        { header: c.dim('ALLOC'), align: 'right' as const },
        ...(withPnl ? [{ header: c.dim('P&L'), align: 'right' as const }] : []),
        { header: '' },
      ]
      lines.push(...table(columns, rows, this.#widths))
      lines.push(
        '',
        `${c.bold('Total')} ${c.bold(roundForDisplay(snapshot.totalValue))}  ${byDirection(
          c,
          snapshot.totalChange24h,
          `${signedMoney(snapshot.totalChange24h)} (${percent(snapshot.totalChangePercent24h)})`,
        )} 24h`,
      )
    } else {
      lines.push(c.dim('waiting for prices…'))
    }
    lines.push('', this.#feeds.footer(c, now, final))
    if (this.#notice !== undefined) lines.push(c.yellow(this.#notice))
    return lines.join('\n')
  }
}

/** One line per snapshot for pipes: `10:00:01 total 1234.50 +12.00 (+0.98%) BTC 1000.00 ...`. */
export function snapshotLine(snapshot: PortfolioSnapshot, now: number): string {
  const holdings = snapshot.holdings.map(
    (holding) =>
      `${holding.symbol} ${holding.price === undefined ? '-' : roundForDisplay(holding.value)}`,
  )
  return [
    clockTime(now),
    `total ${roundForDisplay(snapshot.totalValue)}`,
    `${signedMoney(snapshot.totalChange24h)} (${percent(snapshot.totalChangePercent24h)})`,
    ...holdings,
  ].join(' ')
}

function signedMoney(value: PortfolioSnapshot['totalValue']): string {
  const text = roundForDisplay(value)
  return value.isPositive() && !value.isZero() && text !== '0.00' ? `+${text}` : text
}
