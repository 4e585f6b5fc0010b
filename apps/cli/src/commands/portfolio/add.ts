import { formatDecimal, normalizeSymbol } from '@crypto-analyzer/core-events'
import type { HoldingRecord } from '@crypto-analyzer/portfolio'
import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { parseUserDecimal } from '../../internal/input.js'
import { openStateStore, stateFlags } from '../../internal/state.js'

export default class PortfolioAdd extends BaseCommand<typeof PortfolioAdd> {
  static override summary =
    'Save a holding: how much of SYMBOL you hold (a new amount for a symbol already held).'
  static override description =
    'Holdings live in $CRYPTO_ANALYZER_HOME/holdings.json (default ~/.config/crypto-analyzer), written atomically, or in Redis with --redis-url / CRYPTO_ANALYZER_REDIS_URL; a running server picks them up. Adding a symbol you already hold sets its new amount (keeping its cost basis unless --cost is given) and prints the old amount.'

  static override usage = [
    '<%= command.id %> SYMBOL AMOUNT [--cost <price>] [--redis-url <url>] [--json] [GLOBAL FLAGS]',
  ]

  static override examples = [
    '<%= config.bin %> <%= command.id %> BTC 0.5',
    '<%= config.bin %> <%= command.id %> eth 10 --cost 2500',
  ]

  static override args = {
    symbol: Args.string({ description: 'Base symbol, e.g. BTC.', required: true }),
    amount: Args.string({
      description: 'Amount held, a positive decimal, e.g. 0.5.',
      required: true,
    }),
  }

  static override flags = {
    cost: Flags.string({
      description: 'Price paid per unit (cost basis), for unrealized profit and loss.',
      helpValue: '<price>',
    }),
    ...stateFlags,
  }

  async run(): Promise<void> {
    const symbol = normalizeSymbol(this.args.symbol)
    const amount = formatDecimal(
      parseUserDecimal(this.args.amount, 'amount', { allowZero: false, example: '0.5' }),
    )
    const cost =
      this.flags.cost === undefined
        ? undefined
        : formatDecimal(
            parseUserDecimal(this.flags.cost, 'cost', { allowZero: true, example: '42000' }),
          )
    const { store, where, close } = await openStateStore(this.flags, this.packageLogger)
    let previous: HoldingRecord | undefined
    let record: HoldingRecord = { symbol, amount }
    try {
      await store.updateHoldings((current) => {
        previous = current.find((holding) => holding.symbol === symbol)
        // A new amount keeps the saved cost basis unless --cost gives a new one.
        const costBasis = cost ?? previous?.costBasis
        record = costBasis === undefined ? { symbol, amount } : { symbol, amount, costBasis }
        return previous
          ? current.map((holding) => (holding.symbol === symbol ? record : holding))
          : [...current, record]
      })
    } finally {
      await close()
    }
    if (this.flags.json) {
      this.print(JSON.stringify(record))
      return
    }
    const costText = record.costBasis === undefined ? '' : ` at cost ${record.costBasis}`
    const was = previous ? ` (was ${previous.amount})` : ''
    this.print(`Saved ${symbol} ${amount}${costText}${was} in ${where('holdings')}`)
  }
}
