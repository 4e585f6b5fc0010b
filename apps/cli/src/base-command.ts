import { LOG_LEVELS, variableOf } from '@crypto-analyzer/config'
import { isCryptoAnalyzerError } from '@crypto-analyzer/core-events'
import type { Logger } from '@crypto-analyzer/core-events'
import { Command, Errors, Flags } from '@oclif/core'
import type { Interfaces } from '@oclif/core'
import { createCliLogger } from './internal/logger.js'
import type { CliLogger } from './internal/logger.js'
import { closestMatches } from './internal/suggest.js'
import { venueUrlFlags } from './internal/flags.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

const GLOBAL = 'GLOBAL'

/**
 * The flags every command shares, and the one place where errors become exit codes: usage errors
 * (bad flags, bad input, bad configuration) exit 2, runtime failures exit 1.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    json: Flags.boolean({
      description: 'Print machine-readable JSON (NDJSON for live output) instead of tables.',
      helpGroup: GLOBAL,
    }),
    'log-level': Flags.option({
      options: LOG_LEVELS,
      default: 'info' as const,
      env: variableOf('log-level'),
      description: 'Logging level; logs go to stderr.',
      helpGroup: GLOBAL,
    })(),
    ...venueUrlFlags(GLOBAL),
    quote: Flags.string({
      env: variableOf('quote'),
      description:
        "Quote currency, overriding each provider's default (Binance USDT, Coinbase USD).",
      helpGroup: GLOBAL,
      helpValue: '<asset>',
      parse: (input) => {
        const quote = input.trim().toUpperCase()
        if (!/^[A-Z0-9]{1,20}$/.test(quote)) {
          throw new Errors.CLIError(
            `invalid quote ${JSON.stringify(input)}: a quote asset is 1 to 20 letters or digits, e.g. USDT`,
            { exit: 2 },
          )
        }
        return Promise.resolve(quote)
      },
    }),
    interval: Flags.integer({
      env: variableOf('interval'),
      min: 1,
      description: 'Mock provider: milliseconds between updates of each symbol (default 1000).',
      helpGroup: GLOBAL,
      helpValue: '<ms>',
    }),
    seed: Flags.integer({
      description: 'Mock provider: seed that makes the price sequence reproducible.',
      helpGroup: GLOBAL,
      helpValue: '<n>',
    }),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  #logger: CliLogger | undefined

  override async init(): Promise<void> {
    await super.init()
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
  }

  /** The pino logger at `--log-level`, writing to stderr. */
  protected get logger(): CliLogger {
    // Flags are missing when parsing them failed; errors are still logged then.
    const parsed = this.flags as CommandFlags<T> | undefined
    this.#logger ??= createCliLogger(parsed?.['log-level'] ?? 'info')
    return this.#logger
  }

  /** The logger in the shape packages take. */
  protected get packageLogger(): Logger {
    return this.logger
  }

  /** `crypto-analyzer stream monitor`, as the user types it. */
  protected get commandLine(): string {
    return `${this.config.bin} ${(this.id ?? '').split(':').join(' ')}`.trim()
  }

  /** The first example of the command's help, ready to paste, for error suggestions. */
  protected get exampleLine(): string | undefined {
    const [first] = this.ctor.examples
    const text = typeof first === 'string' ? first : first?.command
    if (text === undefined) return undefined
    return text
      .replaceAll('<%= config.bin %>', this.config.bin)
      .replaceAll('<%= command.id %>', (this.id ?? '').split(':').join(' '))
  }

  /** Writes one line to stdout (JSON output, tables, reports). */
  protected print(line = ''): void {
    process.stdout.write(`${line}\n`)
  }

  /** Writes one line to stderr (progress and notices that must not pollute piped output). */
  protected notice(line: string): void {
    process.stderr.write(`${line}\n`)
  }

  /** A usage error (exit 2) with a pasteable example. */
  protected usageError(message: string, suggestions?: readonly string[]): never {
    const example = this.exampleLine
    this.error(message, {
      exit: 2,
      suggestions: suggestions ? [...suggestions] : example ? [example] : [],
    })
  }

  /** A runtime failure (exit 1). */
  protected failure(message: string, suggestions: readonly string[] = []): never {
    this.error(message, { exit: 1, suggestions: [...suggestions] })
  }

  override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (isCryptoAnalyzerError(error)) {
      const usage = error.code === 'INVALID_INPUT' || error.code === 'INVALID_CONFIG'
      const example = this.exampleLine
      this.logger.debug({ err: error }, 'command failed')
      this.error(cleanParseMessage(error.message), {
        exit: usage ? 2 : 1,
        code: error.code,
        suggestions: usage && example ? [example] : [],
      })
    }
    if (error instanceof Errors.CLIError) {
      const parsing = error.message.startsWith('Parsing --')
      error.message = cleanParseMessage(error.message)
      if ('flags' in error && Array.isArray(error.flags)) {
        // oclif's "Nonexistent flag" error: point at the flag the user probably meant.
        const known = Object.keys({ ...this.ctor.flags, ...this.ctor.baseFlags }).map(
          (name) => `--${name}`,
        )
        const guesses = (error.flags as unknown[])
          .filter((flag): flag is string => typeof flag === 'string')
          .flatMap((flag) => closestMatches(flag.replace(/=.*$/, ''), known, 1))
        if (guesses.length > 0) error.message += ` (did you mean ${guesses.join(', ')}?)`
      }
      const example = this.exampleLine
      if (parsing && example !== undefined) error.suggestions ??= [example]
      return super.catch(error)
    }
    this.logger.debug({ err: error }, 'command failed')
    this.error(error.message, { exit: 1 })
  }

  override async finally(error: Error | undefined): Promise<unknown> {
    this.#logger?.flush()
    return super.finally(error)
  }
}

/** oclif prefixes errors thrown while parsing a flag with `Parsing --x \n\t`: make it one line. */
function cleanParseMessage(message: string): string {
  return message.replace(/^Parsing (--[\w-]+) \n\t/, '$1: ')
}
