import { VENUES } from '@crypto-analyzer/price-feeds'
import type { ExchangeVenueInfo } from '@crypto-analyzer/price-feeds'

/** One setting of the server and the CLI: an environment variable and its flag. */
export interface Setting {
  /** `CRYPTO_ANALYZER_PORT`. */
  readonly variable: string
  /** The flag of the same setting (`port` for `--port`) on `stream start` and the other CLI commands that take it. */
  readonly flag: string
  /** The default, as a user reads it (`none` when unset means off). */
  readonly default: string
  /** What it sets, one line. */
  readonly meaning: string
}

const setting = (name: string, flag: string, fallback: string, meaning: string): Setting => ({
  variable: `CRYPTO_ANALYZER_${name}`,
  flag,
  default: fallback,
  meaning,
})

const exchanges = VENUES.filter(
  (venue): venue is ExchangeVenueInfo => venue.defaultUrl !== undefined,
)
const providerNames = VENUES.map((venue) => `\`${venue.name}\``).join(', ')
const quotes = VENUES.map((venue) => `\`${venue.defaultQuote}\` (${venue.name})`).join(', ')

/**
 * Every environment variable crypto-analyzer reads, in the order the README's configuration table
 * lists them. The server app reads all of them (`readServiceOptions`); each CLI flag with the same
 * name falls back to its variable. Nothing else in the project reads the environment.
 */
export const SETTINGS: readonly Setting[] = [
  setting('HOST', 'host', '`127.0.0.1`', 'interface the server listens on'),
  setting('PORT', 'port', '`8000`', 'server port (`0` picks a free one)'),
  setting('PROVIDER', 'provider', '`mock`', `primary provider: ${providerNames}`),
  setting('FALLBACK', 'fallback', 'none', 'fallback providers, in order, comma-separated'),
  setting(
    'SYMBOLS',
    'symbols',
    '`BTC,ETH,ADA,DOT,LINK`',
    'base symbols, case-insensitive, 1 to 20 of `A-Z0-9`, at most 200',
  ),
  setting('QUOTE', 'quote', quotes, 'quote currency for every provider'),
  setting('MOCK_INTERVAL_MS', 'interval', '`1000`', 'mock update interval per symbol (minimum 1)'),
  ...exchanges.map((venue) => ({
    variable: venue.urlVariable,
    flag: venue.urlFlag,
    default: `\`${venue.defaultUrl}\``,
    meaning: `${venue.description} endpoint, e.g. a local fake exchange`,
  })),
  setting(
    'TOKEN',
    'token',
    'none',
    'required as `?token=` or `Authorization: Bearer` by `/ws`, `/status`, `/metrics`',
  ),
  setting(
    'ALLOWED_ORIGINS',
    'allowed-origins',
    'any',
    'browser origins allowed to open `/ws`, comma-separated; others get 403',
  ),
  setting(
    'HOME',
    'home',
    '`$XDG_CONFIG_HOME/crypto-analyzer`, else `~/.config/crypto-analyzer`',
    'saved holdings and alerts (atomic writes, shared safely between the CLI and a running server); not used with Redis',
  ),
  setting(
    'REDIS_URL',
    'redis-url',
    'none',
    'makes several server processes one service; holdings and alerts then live in Redis',
  ),
  setting(
    'REDIS_PREFIX',
    'redis-prefix',
    '`crypto-analyzer:`',
    'key prefix in Redis; processes (and CLI runs) with another prefix are another service',
  ),
  setting(
    'NODE_ID',
    'node-id',
    '`<hostname>-<pid>-<random>`',
    "with Redis: this process's name in `/status`",
  ),
  setting(
    'LEADER_LEASE_MS',
    'leader-lease',
    '`5000`',
    "with Redis: the leader's lease, renewed every 30 % of it; takeover comes about one lease after a leader dies",
  ),
  setting(
    'LOG_LEVEL',
    'log-level',
    '`info`',
    '`error`, `warn`, `info` or `debug`; logs are JSON on stderr',
  ),
]

const byFlag = new Map(SETTINGS.map((item) => [item.flag, item]))

/**
 * The environment variable of a flag, for a CLI flag's `env` fallback. An unknown flag is a
 * programming error and throws at once (when the command module loads).
 */
export function variableOf(flag: string): string {
  const found = byFlag.get(flag)
  if (found === undefined) {
    throw new Error(
      `no setting has the flag --${flag}; add it to SETTINGS in @crypto-analyzer/config`,
    )
  }
  return found.variable
}

/** The settings as the README's configuration table (Markdown, one row per variable). */
export function settingsTable(): string {
  const rows = SETTINGS.map(
    (item) => `| \`${item.variable}\` | \`--${item.flag}\` | ${item.default} | ${item.meaning} |`,
  )
  return ['| variable | flag | default | meaning |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  )
}
