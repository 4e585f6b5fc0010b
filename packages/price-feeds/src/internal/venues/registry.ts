import { createExchangeProvider } from '../exchange-provider.js'
import { checkedUrl } from '../url.js'
import { BINANCE } from './binance.js'
import { COINBASE } from './coinbase.js'
import { MOCK_VENUE } from './mock.js'
import type { ExchangeVenue, VenueDefinition } from './venue.js'

/**
 * Every exchange venue this package implements, in the order docs and flag choices list them.
 * Adding one: its module next to these (an `ExchangeVenue`, with its tests) and its line here.
 * A contract provider (core-events' `ProviderName`) without a line is refused as not available.
 */
export const EXCHANGE_VENUES: readonly ExchangeVenue[] = [BINANCE, COINBASE]

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
 * The one table of the providers implemented, exchanges first, then the mock: the feed manager
 * reads it, and `VENUES` publishes it.
 */
export const VENUE_TABLE: readonly VenueDefinition[] = [
  ...EXCHANGE_VENUES.map(exchange),
  MOCK_VENUE,
]

/** `binance, coinbase, mock`: what a message refusing another provider offers. */
export const VENUE_NAMES: string = VENUE_TABLE.map((venue) => venue.name).join(', ')

/** The provider called `name`, or undefined (a contract name without a venue, or no provider). */
export function venueDefinition(name: string): VenueDefinition | undefined {
  return VENUE_TABLE.find((venue) => venue.name === name)
}

/** The exchange venue called `name`, or undefined (the mock, or no venue of that name). */
export function exchangeVenue(name: string): ExchangeVenue | undefined {
  return EXCHANGE_VENUES.find((venue) => venue.name === name)
}
