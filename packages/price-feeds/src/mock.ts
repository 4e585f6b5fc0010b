/** The symbols the mock provider streams when given none. */
export const MOCK_DEFAULT_SYMBOLS: readonly string[] = Object.freeze([
  'BTC',
  'ETH',
  'ADA',
  'DOT',
  'LINK',
])
