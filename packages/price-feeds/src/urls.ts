import { FeedError } from './errors.js'
import { checkedUrl } from './internal/url.js'
import { EXCHANGE_VENUES, exchangeVenue } from './internal/venues/registry.js'
import type { ExchangeName } from './internal/venues/venue.js'

/**
 * The real public market-data endpoints of the exchanges implemented, used when nothing
 * overrides them (a contract provider without a venue has none).
 */
export const DEFAULT_PROVIDER_URLS: Readonly<Partial<Record<ExchangeName, string>>> = Object.freeze(
  Object.fromEntries(EXCHANGE_VENUES.map((venue) => [venue.name, venue.defaultUrl])),
)

/**
 * The WebSocket URL of an exchange provider: `override` (an option or flag) if given and not
 * blank, else the real exchange. Throws `FeedError` `invalid-config` when it is not a ws(s) URL.
 * The environment is the apps' business: they pass what they read as `override`.
 */
export function resolveProviderUrl(provider: ExchangeName, override?: string): string {
  const venue = exchangeVenue(provider)
  if (venue === undefined) {
    throw new FeedError(
      'invalid-config',
      `no URL for provider ${JSON.stringify(provider)}: only ${EXCHANGE_VENUES.map((venue) => venue.name).join(' and ')} connect anywhere`,
      { provider: 'mock' },
    )
  }
  return checkedUrl(venue.name, venue.defaultUrl, override)
}
