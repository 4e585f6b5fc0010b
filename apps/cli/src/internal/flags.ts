import { variableOf } from '@crypto-analyzer/config'
import { parseSymbols } from '@crypto-analyzer/core-events'
import type { ProviderName } from '@crypto-analyzer/core-events'
import { VENUES } from '@crypto-analyzer/price-feeds'
import type { ExchangeVenueInfo } from '@crypto-analyzer/price-feeds'
import { Errors, Flags } from '@oclif/core'
import type { Interfaces } from '@oclif/core'

/** The mock feed's symbols: the default wherever symbols are optional. */
export const DEFAULT_SYMBOLS: readonly string[] = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK']

/** The provider choices, from the venue registry. */
const PROVIDER_OPTIONS: readonly ProviderName[] = VENUES.map((venue) => venue.name)
/** `binance|coinbase|mock`, for usage lines. */
export const PROVIDER_USAGE: string = PROVIDER_OPTIONS.join('|')
const EXCHANGES = VENUES.filter(
  (venue): venue is ExchangeVenueInfo => venue.defaultUrl !== undefined,
)

/** `--symbols btc,ETH` → `['BTC', 'ETH']`, validated by core-events before `run()`. */
export const symbolsFlag = Flags.custom<string[]>({
  description: 'Comma-separated base symbols, case-insensitive [default: BTC,ETH,ADA,DOT,LINK].',
  helpValue: '<list>',
  parse: (input) => Promise.resolve(parseSymbols(input)),
})

/** `--provider binance|coinbase|...|mock`. */
export const providerFlag = Flags.option({
  options: PROVIDER_OPTIONS,
  default: 'mock' as ProviderName,
  description: 'Price feed provider.',
})

/** `--fallback coinbase,binance` (comma-separated or repeated): fallback providers in order. */
export const fallbackFlag = Flags.option({
  options: PROVIDER_OPTIONS,
  multiple: true,
  delimiter: ',',
  description:
    'Fallback providers in order: they serve a symbol the primary does not list, or while the primary is down.',
})

/** Seconds as a positive decimal (`--duration 2.5`), returned in milliseconds. */
export const secondsFlag = Flags.custom<number>({
  helpValue: '<s>',
  parse: (input) => {
    const seconds = Number(input)
    // Node timers cannot wait longer than 2^31-1 ms (about 24.8 days); longer would fire at once.
    if (input.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 2_147_483) {
      throw new Errors.CLIError(
        `expected a number of seconds greater than 0 and at most 2147483, got ${JSON.stringify(input)} (e.g. 10 or 0.5)`,
        { exit: 2 },
      )
    }
    return Promise.resolve(Math.max(1, Math.round(seconds * 1000)))
  },
})

/**
 * `--fallback`, else its variable (oclif's own env fallback cannot split a repeatable flag), without
 * duplicates and without the primary itself.
 */
export function fallbackList(
  primary: ProviderName,
  fallback: readonly ProviderName[] | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProviderName[] {
  return [...new Set(fallback ?? fallbackFromEnv(env))].filter((name) => name !== primary)
}

function fallbackFromEnv(env: Readonly<Record<string, string | undefined>>): ProviderName[] {
  const variable = variableOf('fallback')
  const names = (env[variable] ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '')
  return names.map((name) => {
    const known = PROVIDER_OPTIONS.find((option) => option === name)
    if (known === undefined) {
      throw new Errors.CLIError(
        `${variable}=${JSON.stringify(env[variable])} names ${JSON.stringify(name)}, not a provider; use ${PROVIDER_OPTIONS.join(', ')}`,
        { exit: 2 },
      )
    }
    return known
  })
}

/**
 * An upstream WebSocket URL (`ws://` or `wss://`), like `Flags.url` but checked for the scheme, so
 * a typo in the flag or its environment variable fails before anything connects.
 */
export const wsUrlFlag = Flags.custom({
  helpValue: '<ws-url>',
  parse: (input) => {
    const text = input.trim()
    let url: URL | undefined
    try {
      url = new URL(text)
    } catch {
      url = undefined
    }
    if (url?.protocol !== 'ws:' && url?.protocol !== 'wss:') {
      throw new Errors.CLIError(
        `expected a ws:// or wss:// URL, got ${JSON.stringify(input)} (e.g. ws://127.0.0.1:9443/ws)`,
        { exit: 2 },
      )
    }
    return Promise.resolve(text)
  },
})

/** The endpoint flags of every exchange in the registry: `--binance-url`, `--coinbase-url`, ... */
export function venueUrlFlags(
  helpGroup: string,
): Record<`${string}-url`, Interfaces.OptionFlag<string | undefined>> {
  return Object.fromEntries(
    EXCHANGES.map((venue) => [
      venue.urlFlag,
      wsUrlFlag({
        env: venue.urlVariable,
        description: `${venue.description} WebSocket endpoint [default: ${venue.defaultUrl}].`,
        helpGroup,
      }),
    ]),
  )
}

/** The endpoints given with those flags, by provider (only the ones set). */
export function venueUrls(
  flags: Readonly<Record<`${string}-url`, string | undefined>>,
): Partial<Record<ProviderName, string>> {
  const urls: Partial<Record<ProviderName, string>> = {}
  for (const venue of EXCHANGES) {
    const url = flags[venue.urlFlag as `${string}-url`]
    if (typeof url === 'string') urls[venue.name] = url
  }
  return urls
}
