import { FeedError } from './errors.js'

/** The real exchanges' public market-data endpoints, used when nothing overrides them. */
export const DEFAULT_PROVIDER_URLS: Readonly<Record<'binance' | 'coinbase', string>> = {
  binance: 'wss://stream.binance.com:9443/ws',
  coinbase: 'wss://ws-feed.exchange.coinbase.com',
}

const ENV_NAMES: Readonly<Record<'binance' | 'coinbase', string>> = {
  binance: 'CRYPTO_ANALYZER_BINANCE_URL',
  coinbase: 'CRYPTO_ANALYZER_COINBASE_URL',
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim()

/**
 * The WebSocket URL of an exchange provider: `override` (an option or flag) if given, else
 * `CRYPTO_ANALYZER_BINANCE_URL` / `CRYPTO_ANALYZER_COINBASE_URL` from `env`, else the real
 * exchange. Throws `FeedError` `invalid-config` naming the source when it is not a ws(s) URL.
 */
export function resolveProviderUrl(
  provider: 'binance' | 'coinbase',
  override?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if ((provider as string) !== 'binance' && (provider as string) !== 'coinbase') {
    throw new FeedError(
      'invalid-config',
      `no URL for provider ${JSON.stringify(provider)}: only binance and coinbase connect anywhere`,
      { provider: 'mock' },
    )
  }
  const fromOption = nonEmpty(override)
  const envName = ENV_NAMES[provider]
  const fromEnv = nonEmpty(env[envName])
  const url = fromOption ?? fromEnv ?? DEFAULT_PROVIDER_URLS[provider]
  const origin = fromOption !== undefined ? `the ${provider} URL option` : `env ${envName}`
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new FeedError(
      'invalid-config',
      `${origin} is not a URL (${JSON.stringify(url)}); use e.g. ${DEFAULT_PROVIDER_URLS[provider]} or ws://127.0.0.1:9001/ws`,
      { provider, cause: error },
    )
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new FeedError(
      'invalid-config',
      `${origin} must be a ws:// or wss:// URL (got ${JSON.stringify(url)}); use e.g. ${DEFAULT_PROVIDER_URLS[provider]}`,
      { provider },
    )
  }
  return url
}
