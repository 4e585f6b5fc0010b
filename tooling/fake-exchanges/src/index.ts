export { startFakeBinance, DEFAULT_BINANCE_MARKETS } from './binance.js'
export type { FakeBinance, FakeBinanceOptions } from './binance.js'
export { startFakeCoinbase, DEFAULT_COINBASE_PRODUCTS } from './coinbase.js'
export type { FakeCoinbase, FakeCoinbaseOptions } from './coinbase.js'
export { FAKE_EXCHANGES } from './exchanges.js'
export { FakeExchangeError } from './errors.js'
export type { FakeExchangeErrorReason } from './errors.js'
export { readFixture } from './fixtures.js'
export type {
  FakeClock,
  FakeExchange,
  FakeExchangeOptions,
  RestartOptions,
  SendRawOptions,
} from './types.js'
