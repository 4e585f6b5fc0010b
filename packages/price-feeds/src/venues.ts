import type { ProviderName } from '@crypto-analyzer/core-events'
import { VENUE_TABLE } from './internal/venues/registry.js'
import type { VenueDefinition } from './internal/venues/venue.js'

/** What every provider shares in `VENUES`. */
interface VenueBase {
  readonly name: ProviderName
  /** One line: what the venue is (`Binance Spot`). */
  readonly description: string
  /** Quote currency of its markets unless `quote` is set. */
  readonly defaultQuote: string
}

/** A provider that connects to an exchange, and the setting that says where. */
export interface ExchangeVenueInfo extends VenueBase {
  /** The real public endpoint, used when no URL is given. */
  readonly defaultUrl: string
  /** The environment variable the apps read the URL from: `CRYPTO_ANALYZER_BINANCE_URL`. */
  readonly urlVariable: string
  /** The CLI flag of the URL, without dashes: `binance-url`. */
  readonly urlFlag: string
}

/** A provider that connects nowhere (the mock). */
export interface OfflineVenueInfo extends VenueBase {
  readonly defaultUrl: undefined
  readonly urlVariable: undefined
  readonly urlFlag: undefined
}

/** Public facts about one provider, for flag choices, configuration and docs. */
export type VenueInfo = ExchangeVenueInfo | OfflineVenueInfo

const info = (venue: VenueDefinition): VenueInfo => {
  const { name } = venue
  const base = {
    name,
    description: venue.description,
    defaultQuote: venue.defaultQuote,
  }
  return Object.freeze(
    venue.defaultUrl === undefined
      ? { ...base, defaultUrl: undefined, urlVariable: undefined, urlFlag: undefined }
      : {
          ...base,
          defaultUrl: venue.defaultUrl,
          urlVariable: `CRYPTO_ANALYZER_${name.toUpperCase()}_URL`,
          urlFlag: `${name}-url`,
        },
  )
}

/**
 * Every provider `addProvider` takes, exchanges first, in the order the docs and the CLI list
 * them (read from the one venue registry). These are the providers implemented: a contract
 * provider (core-events' `PROVIDERS`) missing here is refused wherever a user names it.
 */
export const VENUES: readonly VenueInfo[] = Object.freeze(VENUE_TABLE.map(info))
