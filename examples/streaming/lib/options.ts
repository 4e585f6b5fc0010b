// Command-line handling shared by the examples, so each example file shows only its own subject.
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import { parseSymbols } from '@crypto-analyzer/core-events'
import type { ProviderName } from '@crypto-analyzer/core-events'
import { VENUES } from '@crypto-analyzer/price-feeds'
import type { PriceFeedManagerOptions } from '@crypto-analyzer/price-feeds'

type FlagConfig = NonNullable<ParseArgsConfig['options']>
type FlagValue = string | boolean | (string | boolean)[] | undefined

/** The flags every example takes. */
export interface ExampleOptions {
  /** Primary price provider: `mock` (default, no network), `binance` or `coinbase`. */
  readonly provider: ProviderName
  readonly fallback: readonly ProviderName[]
  readonly symbols: readonly string[]
  /** Seconds to run; `undefined` runs until Ctrl-C. */
  readonly duration: number | undefined
  /** Mock provider: ms between updates of each symbol. */
  readonly interval: number | undefined
  readonly seed: number | undefined
  readonly quote: string | undefined
  readonly binanceUrl: string | undefined
  readonly coinbaseUrl: string | undefined
  /** The example's own flags, by name. */
  readonly extra: Readonly<Record<string, FlagValue>>
}

const COMMON_FLAGS = {
  provider: { type: 'string', default: 'mock' },
  fallback: { type: 'string', multiple: true },
  symbols: { type: 'string' },
  duration: { type: 'string' },
  interval: { type: 'string' },
  seed: { type: 'string' },
  quote: { type: 'string' },
  'binance-url': { type: 'string' },
  'coinbase-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies FlagConfig

const COMMON_HELP = `Common flags:
  --provider <name>      mock (default, no network), binance or coinbase
  --fallback <name>      fallback provider(s), repeatable or comma-separated
  --symbols <list>       comma-separated base symbols (default BTC,ETH,ADA,DOT,LINK)
  --duration <seconds>   stop after this long (default: until Ctrl-C)
  --interval <ms>        mock provider: ms between updates of each symbol (default 1000)
  --seed <n>             mock provider: a reproducible price walk
  --quote <asset>        quote currency (default per provider: USDT on Binance, USD on Coinbase)
  --binance-url <url>    Binance WebSocket endpoint (e.g. a local fake exchange; env CRYPTO_ANALYZER_BINANCE_URL)
  --coinbase-url <url>   Coinbase Exchange endpoint (env CRYPTO_ANALYZER_COINBASE_URL)`

const fail = (message: string): never => {
  console.error(`error: ${message}\n(--help lists the flags)`)
  process.exit(2)
}

const positiveNumber = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined
  const number = Number(value)
  if (!Number.isFinite(number) || number <= 0)
    fail(`${flag} must be a positive number, got "${value}"`)
  return number
}

// The providers price-feeds implements; a contract name without a venue could not stream.
const PROVIDER_NAMES: readonly ProviderName[] = VENUES.map((venue) => venue.name)

const provider = (value: string, flag: string): ProviderName => {
  const name = value.trim().toLowerCase()
  return (
    PROVIDER_NAMES.find((known) => known === name) ??
    fail(`${flag} must be mock, binance or coinbase, got "${value}"`)
  )
}

/**
 * Parses `process.argv` (a leading `--`, as `pnpm <script> -- --flag` passes it, is skipped).
 * Exits 2 with a message on a bad flag; prints the usage and exits 0 on `--help`.
 */
export function parseExampleOptions(
  usage: string,
  extraFlags: FlagConfig = {},
  extraHelp = '',
): ExampleOptions {
  const argv = process.argv.slice(2)
  if (argv[0] === '--') argv.shift()
  let values: Record<string, FlagValue>
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: { ...COMMON_FLAGS, ...extraFlags },
      allowPositionals: false,
      strict: true,
    }))
  } catch (error) {
    return fail((error as Error).message)
  }
  if (values['help'] === true) {
    console.log(`${usage}\n\n${extraHelp === '' ? '' : `${extraHelp}\n`}${COMMON_HELP}`)
    process.exit(0)
  }
  const text = (name: string): string | undefined => {
    const value = values[name]
    return typeof value === 'string' ? value : undefined
  }
  const fallbackValues = values['fallback']
  const fallback = (Array.isArray(fallbackValues) ? fallbackValues : [])
    .flatMap((value) => String(value).split(','))
    .filter((value) => value.trim() !== '')
    .map((value) => provider(value, '--fallback'))
  let symbols: readonly string[] = ['BTC', 'ETH', 'ADA', 'DOT', 'LINK']
  const symbolsText = text('symbols')
  if (symbolsText !== undefined) {
    try {
      symbols = parseSymbols(symbolsText)
    } catch (error) {
      fail(`--symbols: ${(error as Error).message}`)
    }
  }
  const seedText = text('seed')
  const seed = seedText === undefined ? undefined : Number(seedText)
  if (seed !== undefined && !Number.isInteger(seed))
    fail(`--seed must be an integer, got "${seedText ?? ''}"`)
  return {
    provider: provider(text('provider') ?? 'mock', '--provider'),
    fallback,
    symbols,
    duration: positiveNumber(text('duration'), '--duration'),
    interval: positiveNumber(text('interval'), '--interval'),
    seed,
    quote: text('quote'),
    // The flag, else the variable its help names: price-feeds reads no environment itself.
    binanceUrl: text('binance-url') ?? process.env['CRYPTO_ANALYZER_BINANCE_URL'],
    coinbaseUrl: text('coinbase-url') ?? process.env['CRYPTO_ANALYZER_COINBASE_URL'],
    extra: values,
  }
}

/** The price-feed settings the common flags describe. */
export function feedOptions(options: ExampleOptions): PriceFeedManagerOptions {
  return {
    quote: options.quote,
    urls: { binance: options.binanceUrl, coinbase: options.coinbaseUrl },
    mock: { interval: options.interval, seed: options.seed },
  }
}

/**
 * Calls `stop` once: after `durationSeconds` (when given), or on Ctrl-C / SIGTERM. The process then
 * ends by itself, because `stop` releases every socket and timer: a clean shutdown is part of
 * what these examples show.
 */
export function stopAfter(
  durationSeconds: number | undefined,
  stop: () => Promise<void> | void,
): void {
  let stopping = false
  const finish = (): void => {
    if (stopping) return
    stopping = true
    if (timer !== undefined) clearTimeout(timer)
    process.off('SIGINT', finish)
    process.off('SIGTERM', finish)
    Promise.resolve()
      .then(stop)
      .catch((error: unknown) => {
        console.error(error)
        process.exitCode = 1
      })
  }
  const timer =
    durationSeconds === undefined ? undefined : setTimeout(finish, durationSeconds * 1000)
  process.once('SIGINT', finish)
  process.once('SIGTERM', finish)
}
