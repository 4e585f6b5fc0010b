import type { CryptoAnalyzerError, ProviderName } from '@crypto-analyzer/core-events'
import { FeedError } from '@crypto-analyzer/price-feeds'

/** A feed error in words that say what to do about it. */
export function describeFeedError(error: CryptoAnalyzerError): string {
  if (!(error instanceof FeedError)) return error.message
  const provider = error.provider
  switch (error.reason) {
    case 'subscription-rejected':
      return error.symbol === undefined
        ? `${provider} rejected a subscription: ${error.message}. Check --symbols and --quote`
        : `${provider} does not list ${error.symbol}: ${error.message}. Check the symbol, or try --quote or --fallback`
    case 'connection-failed':
      return provider === 'mock'
        ? `mock: ${error.message}`
        : `${provider}: ${error.message}. Check --${provider}-url (or CRYPTO_ANALYZER_${provider.toUpperCase()}_URL) and your network, or add --fallback`
    default:
      return `${provider}: ${error.message}`
  }
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
    this.#messages.push(describeFeedError(error))
    return this.allLost()
  }

  /** Symbols every provider refused. */
  get rejectedSymbols(): string[] {
    return this.#symbols.filter((symbol) =>
      this.#providers.every((provider) => this.#lost(symbol, provider)),
    )
  }

  /** What went wrong, in order, without repeats. */
  get messages(): string[] {
    return [...new Set(this.#messages)]
  }

  allLost(): boolean {
    return this.rejectedSymbols.length === this.#symbols.length
  }

  #lost(symbol: string, provider: ProviderName): boolean {
    return this.#failed.has(provider) || (this.#rejected.get(symbol)?.has(provider) ?? false)
  }
}
