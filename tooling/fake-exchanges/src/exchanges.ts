import { startFakeBinance } from './binance.js'
import { startFakeCoinbase } from './coinbase.js'
import type { FakeExchange, FakeExchangeOptions } from './types.js'

/**
 * Every fake, by the provider name it stands in for: what the CLI (`bin/fake-exchanges.mjs`)
 * offers. A new venue's fake adds its line here.
 */
export const FAKE_EXCHANGES: Readonly<
  Record<string, (options?: FakeExchangeOptions) => Promise<FakeExchange>>
> = Object.freeze({
  binance: startFakeBinance,
  coinbase: startFakeCoinbase,
})
