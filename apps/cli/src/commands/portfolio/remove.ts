import { CryptoAnalyzerError, normalizeSymbol } from '@crypto-analyzer/core-events'
import type { HoldingRecord } from '@crypto-analyzer/portfolio'
import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { openStateStore, stateFlags } from '../../internal/state.js'

export default class PortfolioRemove extends BaseCommand<typeof PortfolioRemove> {
  static override summary = 'Remove the holding of SYMBOL from the saved portfolio.'
  static override usage = ['<%= command.id %> SYMBOL [--redis-url <url>] [--json] [GLOBAL FLAGS]']

  static override flags = { ...stateFlags }

  static override examples = ['<%= config.bin %> <%= command.id %> BTC']

  static override args = {
    symbol: Args.string({ description: 'Base symbol, e.g. BTC.', required: true }),
  }

  async run(): Promise<void> {
    const symbol = normalizeSymbol(this.args.symbol)
    const { store, where, close } = await openStateStore(this.flags, this.packageLogger)
    let removed: HoldingRecord | undefined
    try {
      await store.updateHoldings((current) => {
        removed = current.find((holding) => holding.symbol === symbol)
        if (!removed) {
          throw new CryptoAnalyzerError(
            'NOT_FOUND',
            `no ${symbol} holding to remove; "${this.config.bin} portfolio list" shows what you hold`,
          )
        }
        return current.filter((holding) => holding.symbol !== symbol)
      })
    } finally {
      await close()
    }
    if (this.flags.json) this.print(JSON.stringify(removed))
    else this.print(`Removed ${symbol} (${removed?.amount ?? '?'}) from ${where('holdings')}`)
  }
}
