import type { CryptoAnalyzerError, ProviderName } from '@crypto-analyzer/core-events'
import { FeedError } from '@crypto-analyzer/price-feeds'

/** What to do about a feed error, or `undefined` when there is nothing to suggest. */
export function feedErrorHint(error: CryptoAnalyzerError): string | undefined {
  if (!(error instanceof FeedError)) return undefined
  const provider = error.provider
  switch (error.reason) {
    case 'subscription-rejected':
      return 'check the symbol, or try --quote or --fallback'
    case 'connection-failed':
      return provider === 'mock'
        ? undefined
        : `check --${provider}-url (or CRYPTO_ANALYZER_${provider.toUpperCase()}_URL) and the network, or add --fallback`
    default:
      return undefined
  }
}

/** A feed error in words that say what to do about it. */
export function describeFeedError(error: CryptoAnalyzerError): string {
  const hint = feedErrorHint(error)
  return hint === undefined ? error.message : `${error.message} (${hint})`
}

/**
 * Remembers which providers gave up on which symbols, to tell when nothing can arrive any more: a
 * command then stops with exit 1 instead of waiting forever.
 */
export class GiveUpTracker {
  readonly #symbols: readonly string[]
  readonly #providers: readonly ProviderName[]
  readonly #rejected = new Map<string, Set<ProviderName>>()
  readonly #failed = new Set<ProviderName>()
  readonly #messages: string[] = []
  readonly #hints: string[] = []

  constructor(symbols: readonly string[], providers: readonly ProviderName[]) {
    this.#symbols = symbols
    this.#providers = providers
  }

  /** Records `error`; true when every symbol is now lost on every provider. */
  record(error: CryptoAnalyzerError): boolean {
    if (!(error instanceof FeedError)) return false
    if (error.reason === 'subscription-rejected' && error.symbol !== undefined) {
      const providers = this.#rejected.get(error.symbol) ?? new Set<ProviderName>()
      providers.add(error.provider)
      this.#rejected.set(error.symbol, providers)
    } else if (error.reason === 'connection-failed') {
      this.#failed.add(error.provider)
    } else {
      return false
    }
    this.#messages.push(error.message)
    const hint = feedErrorHint(error)
    if (hint !== undefined) this.#hints.push(hint)
    return this.allLost()
  }

  /** Symbols every provider refused. */
  get rejectedSymbols(): string[] {
    return this.#symbols.filter((symbol) =>
      this.#providers.every((provider) => this.#lost(symbol, provider)),
    )
  }

  /** What went wrong, without repeats, then what to do: `binance rejected NOPE (...) (check the symbol, ...)` */
  get summary(): string | undefined {
    if (this.#messages.length === 0) return undefined
    const messages = [...new Set(this.#messages)].join('; ')
    const hints = [...new Set(this.#hints)].join('; ')
    return hints === '' ? messages : `${messages} (${hints})`
  }

  allLost(): boolean {
    return this.rejectedSymbols.length === this.#symbols.length
  }

  #lost(symbol: string, provider: ProviderName): boolean {
    return this.#failed.has(provider) || (this.#rejected.get(symbol)?.has(provider) ?? false)
  }
}
