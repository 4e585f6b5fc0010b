import type { ProviderName } from '@crypto-analyzer/core-events'
import { createExchangeProvider } from '../exchange-provider.js'
import { checkedUrl } from '../url.js'
import { BINANCE } from './binance.js'
import { COINBASE } from './coinbase.js'
import { MOCK_VENUE } from './mock.js'
import type { ExchangeName, ExchangeVenue, VenueDefinition } from './venue.js'

/**
 * Every exchange venue. Adding one: its module next to these (an `ExchangeVenue`, with its tests)
 * and its line here; a provider name in core-events' `ProviderName` makes the compiler ask for it.
 */
export const EXCHANGE_VENUES: Readonly<Record<ExchangeName, ExchangeVenue>> = {
  binance: BINANCE,
  coinbase: COINBASE,
}

const exchange = (venue: ExchangeVenue): VenueDefinition => ({
  name: venue.name,
  description: venue.description,
  defaultQuote: venue.defaultQuote,
  defaultUrl: venue.defaultUrl,
  defaultSymbols: undefined,
  maxSymbols: venue.maxTopics,
  resolveUrl: (override) => checkedUrl(venue.name, venue.defaultUrl, override),
  create: (context) => createExchangeProvider(venue, context),
})

/**
 * The one table of providers, in the order docs and flag choices list them: the feed manager
 * reads it, and `VENUES` publishes it.
 */
export const VENUE_TABLE: Readonly<Record<ProviderName, VenueDefinition>> = {
  ...(Object.fromEntries(
    Object.values(EXCHANGE_VENUES).map((venue) => [venue.name, exchange(venue)]),
  ) as Record<ExchangeName, VenueDefinition>),
  mock: MOCK_VENUE,
}

/** The exchange venue called `name`, or undefined (the mock, or no provider at all). */
export function exchangeVenue(name: string): ExchangeVenue | undefined {
  return Object.hasOwn(EXCHANGE_VENUES, name) ? EXCHANGE_VENUES[name as ExchangeName] : undefined
}
