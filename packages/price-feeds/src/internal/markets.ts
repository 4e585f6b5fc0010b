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
  return {
    toBase: (market) => {
      if (!market.endsWith(suffix) || market.length === suffix.length) return undefined
      const base = market.slice(0, market.length - suffix.length)
      return /^[A-Z0-9]{1,20}$/.test(base) ? base : undefined
    },
  }
}
