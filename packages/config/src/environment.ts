import { CryptoAnalyzerError, parseSymbols } from '@crypto-analyzer/core-events'
import type { ProviderName } from '@crypto-analyzer/core-events'
import { VENUES } from '@crypto-analyzer/price-feeds'
import type { ServiceOptions } from '@crypto-analyzer/ws-server'
import { stateHome } from './home.js'

/** The environment as the apps pass it (`process.env`). */
export type Environment = Readonly<Record<string, string | undefined>>

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug']

const invalid = (message: string): CryptoAnalyzerError =>
  new CryptoAnalyzerError('INVALID_INPUT', message)

const integer = (value: string, name: string, min: number, max: number): number => {
  const number = Number(value)
  if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
    throw invalid(`${name}=${JSON.stringify(value)} must be an integer from ${min} to ${max}`)
  }
  return number
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)

/** The providers price-feeds implements: a contract provider without a venue cannot stream. */
const PROVIDER_NAMES: readonly ProviderName[] = VENUES.map((venue) => venue.name)

const provider = (value: string, name: string): ProviderName => {
  const candidate = PROVIDER_NAMES.find((known) => known === value.trim().toLowerCase())
  if (candidate === undefined) {
    throw invalid(
      `${name}=${JSON.stringify(value)} is not a provider; use one of ${PROVIDER_NAMES.join(', ')}`,
    )
  }
  return candidate
}

/** A variable's value, `undefined` when unset or blank. */
const reader =
  (env: Environment) =>
  (name: string): string | undefined => {
    const value = env[name]
    return value === undefined || value.trim() === '' ? undefined : value
  }

/**
 * `CRYPTO_ANALYZER_LOG_LEVEL` (default `info`). Throws `INVALID_INPUT` naming the variable when it
 * is not a level.
 */
export function readLogLevel(env: Environment): LogLevel {
  const value = reader(env)('CRYPTO_ANALYZER_LOG_LEVEL') ?? 'info'
  const level = LOG_LEVELS.find((item) => item === value.trim())
  if (level === undefined) {
    throw invalid(
      `CRYPTO_ANALYZER_LOG_LEVEL=${JSON.stringify(value)} is not a level; use error, warn, info or debug`,
    )
  }
  return level
}

/**
 * The server's options from the environment (every variable of {@link SETTINGS} but the log
 * level): unset variables are left to `startService`'s defaults, except the saved-state directory,
 * which is resolved here (`CRYPTO_ANALYZER_HOME`, else `$XDG_CONFIG_HOME/crypto-analyzer`, else
 * `~/.config/crypto-analyzer`). A bad value throws `INVALID_INPUT` naming the variable.
 */
export function readServiceOptions(env: Environment): ServiceOptions {
  const get = reader(env)
  const port = get('CRYPTO_ANALYZER_PORT')
  const primary = get('CRYPTO_ANALYZER_PROVIDER')
  const fallback = get('CRYPTO_ANALYZER_FALLBACK')
  const symbols = get('CRYPTO_ANALYZER_SYMBOLS')
  const interval = get('CRYPTO_ANALYZER_MOCK_INTERVAL_MS')
  const origins = get('CRYPTO_ANALYZER_ALLOWED_ORIGINS')
  const lease = get('CRYPTO_ANALYZER_LEADER_LEASE_MS')
  let parsedSymbols: string[] | undefined
  if (symbols !== undefined) {
    try {
      parsedSymbols = parseSymbols(symbols)
    } catch (error) {
      throw invalid(`CRYPTO_ANALYZER_SYMBOLS: ${(error as Error).message}`)
    }
  }
  const urls: Partial<Record<ProviderName, string>> = {}
  for (const venue of VENUES) {
    const url = venue.defaultUrl === undefined ? undefined : get(venue.urlVariable)
    if (url !== undefined) urls[venue.name] = url.trim()
  }
  return {
    host: get('CRYPTO_ANALYZER_HOST')?.trim(),
    port: port === undefined ? undefined : integer(port, 'CRYPTO_ANALYZER_PORT', 0, 65_535),
    provider: primary === undefined ? undefined : provider(primary, 'CRYPTO_ANALYZER_PROVIDER'),
    fallback:
      fallback === undefined
        ? undefined
        : list(fallback).map((item) => provider(item, 'CRYPTO_ANALYZER_FALLBACK')),
    symbols: parsedSymbols,
    quote: get('CRYPTO_ANALYZER_QUOTE')?.trim(),
    interval:
      interval === undefined
        ? undefined
        : integer(interval, 'CRYPTO_ANALYZER_MOCK_INTERVAL_MS', 1, 86_400_000),
    urls,
    token: get('CRYPTO_ANALYZER_TOKEN'),
    allowedOrigins: origins === undefined ? undefined : list(origins),
    home: stateHome(env),
    redisUrl: get('CRYPTO_ANALYZER_REDIS_URL')?.trim(),
    redisPrefix: get('CRYPTO_ANALYZER_REDIS_PREFIX')?.trim(),
    nodeId: get('CRYPTO_ANALYZER_NODE_ID')?.trim(),
    leaderLease:
      lease === undefined
        ? undefined
        : integer(lease, 'CRYPTO_ANALYZER_LEADER_LEASE_MS', 500, 600_000),
  }
}
