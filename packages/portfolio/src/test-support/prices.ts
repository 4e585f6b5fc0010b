import { Decimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate, ProviderName } from '@crypto-analyzer/core-events'

export interface PriceInput {
  readonly price: string
  readonly change?: string
  readonly percent?: string
  readonly volume?: string
  readonly timestamp: number
  readonly source?: ProviderName
}

/** A hand-made price update with exact decimals. */
export function price(symbol: string, input: PriceInput): PriceUpdate {
  return {
    symbol,
    price: new Decimal(input.price),
    change24h: new Decimal(input.change ?? '0'),
    changePercent24h: new Decimal(input.percent ?? '0'),
    volume24h: new Decimal(input.volume ?? '1000'),
    timestamp: input.timestamp,
    source: input.source ?? 'mock',
  }
}
