/** How one exchange parser maps its native markets back to base symbols. */
export interface MarketMap {
  /** Native market (`BTCUSDT`, `BTC-USD`) to base symbol, or undefined when unknown. */
  readonly toBase: (market: string) => string | undefined
}

/** The native market of a base symbol on an exchange. */
export function marketOf(provider: 'binance' | 'coinbase', base: string, quote: string): string {
  return provider === 'binance' ? `${base}${quote}` : `${base}-${quote}`
}

export function marketMap(
  provider: 'binance' | 'coinbase',
  quote: string,
  symbols: readonly string[] | undefined,
): MarketMap {
  if (symbols !== undefined) {
    const map = new Map(symbols.map((base) => [marketOf(provider, base, quote), base]))
    return { toBase: (market) => map.get(market) }
  }
  const suffix = provider === 'binance' ? quote : `-${quote}`
  // Every ticker asks, and a feed sees the same few markets over and over: remember the answers
  // (bounded in count and key length, so made-up market names cannot make it grow without end).
  const known = new Map<string, string | undefined>()
  return {
    toBase: (market) => {
      const cached = known.get(market)
      if (cached !== undefined || known.has(market)) return cached
      let base: string | undefined
      if (market.endsWith(suffix) && market.length !== suffix.length) {
        const candidate = market.slice(0, market.length - suffix.length)
        if (BASE.test(candidate)) base = candidate
      }
      if (market.length <= MAX_MARKET_LENGTH) {
        if (known.size >= MAX_KNOWN_MARKETS) known.clear()
        known.set(market, base)
      }
      return base
    },
  }
}

const BASE = /^[A-Z0-9]{1,20}$/
const MAX_KNOWN_MARKETS = 1024
/** A base (at most 20) plus a quote (at most 20) and a dash. */
const MAX_MARKET_LENGTH = 41
