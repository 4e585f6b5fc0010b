import type { HoldingRecord } from '@crypto-analyzer/portfolio'
import { BaseCommand } from '../../base-command.js'
import { colorsFor, table } from '../../internal/format.js'
import { openStateStore, stateFlags } from '../../internal/state.js'

export default class PortfolioList extends BaseCommand<typeof PortfolioList> {
  static override summary = 'List the saved holdings.'
  static override usage = ['<%= command.id %> [--redis-url <url>] [--json] [GLOBAL FLAGS]']

  static override flags = { ...stateFlags }

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  async run(): Promise<void> {
    const { store, where, close } = await openStateStore(this.flags, this.packageLogger)
    let holdings: HoldingRecord[]
    try {
      holdings = await store.readHoldings()
    } finally {
      await close()
    }
    if (this.flags.json) {
      this.print(JSON.stringify(holdings))
      return
    }
    if (holdings.length === 0) {
      this.print(`No holdings yet: add one with "${this.config.bin} portfolio add BTC 0.5".`)
      return
    }
    const c = colorsFor(process.stdout)
    const rows = holdings.map((holding) => [
      c.bold(holding.symbol),
      holding.amount,
      holding.costBasis ?? '-',
    ])
    for (const line of table(
      [
        { header: c.dim('SYMBOL') },
        { header: c.dim('AMOUNT'), align: 'right' },
        { header: c.dim('COST BASIS'), align: 'right' },
      ],
      rows,
    )) {
      this.print(line)
    }
    this.print(c.dim(`(${where('holdings')})`))
  }
}
