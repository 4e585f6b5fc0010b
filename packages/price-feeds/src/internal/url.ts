import type { ProviderName } from '@crypto-analyzer/core-events'
import { FeedError } from '../errors.js'

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim()

/**
 * The WebSocket URL of an exchange provider: `override` (an option or flag) when it is set, else
 * `defaultUrl`. Throws `FeedError` `invalid-config` when it is not a ws(s) URL.
 */
export function checkedUrl(
  provider: ProviderName,
  defaultUrl: string,
  override: string | undefined,
): string {
  const url = nonEmpty(override) ?? defaultUrl
  const origin = `the ${provider} URL option`
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new FeedError(
      'invalid-config',
      `${origin} is not a URL (${JSON.stringify(url)}); use e.g. ${defaultUrl} or ws://127.0.0.1:9001/ws`,
      { provider, cause: error },
    )
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new FeedError(
      'invalid-config',
      `${origin} must be a ws:// or wss:// URL (got ${JSON.stringify(url)}); use e.g. ${defaultUrl}`,
      { provider },
    )
  }
  return url
}
