/** How a frame parser maps a venue's native markets back to base symbols. */
export interface MarketMap {
  /** Native market (`BTCUSDT`, `BTC-USD`) to base symbol, or undefined when unknown. */
  readonly toBase: (market: string) => string | undefined
}

/** How a venue names its markets (base + quote → market, market → base). */
export interface MarketNaming {
  /** The native market of base + quote: `BTC` + `USDT` → `BTCUSDT` (Binance), `BTC-USD` (Coinbase). */
  market(base: string, quote: string): string
  /** The base of a native market in `quote` (`BTC-USD` → `BTC`), or undefined when it is not one. */
  baseOf(market: string, quote: string): string | undefined
}

const BASE = /^[A-Z0-9]{1,20}$/
const MAX_KNOWN_MARKETS = 1024
/** A base (at most 20) plus a quote (at most 20) and a separator. */
const MAX_MARKET_LENGTH = 41

/** Markets written base, `separator`, quote: `''` for `BTCUSDT`, `'-'` for `BTC-USD`. */
export function joinedMarkets(separator: string): MarketNaming {
  return {
    market: (base, quote) => `${base}${separator}${quote}`,
    baseOf(market, quote) {
      const suffix = `${separator}${quote}`
      if (!market.endsWith(suffix) || market.length === suffix.length) return undefined
      const candidate = market.slice(0, market.length - suffix.length)
      return BASE.test(candidate) ? candidate : undefined
    },
  }
}

/**
 * The market map of a parser: through the subscription list when there is one (a ticker of any
 * other market is unknown), else any well-formed market in `quote`.
 */
export function marketMap(
  naming: MarketNaming,
  quote: string,
  symbols: readonly string[] | undefined,
): MarketMap {
  if (symbols !== undefined) {
    const map = new Map(symbols.map((base) => [naming.market(base, quote), base]))
    return { toBase: (market) => map.get(market) }
  }
  // Every ticker asks, and a feed sees the same few markets over and over: remember the answers
  // (bounded in count and key length, so made-up market names cannot make it grow without end).
  const known = new Map<string, string | undefined>()
  return {
    toBase: (market) => {
      const cached = known.get(market)
      if (cached !== undefined || known.has(market)) return cached
      const base = naming.baseOf(market, quote)
      if (market.length <= MAX_MARKET_LENGTH) {
        if (known.size >= MAX_KNOWN_MARKETS) known.clear()
        known.set(market, base)
      }
      return base
    },
  }
}
