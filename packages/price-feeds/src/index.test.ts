import { describe, expect, it } from 'vitest'
import * as api from './index.js'

describe('@crypto-analyzer/price-feeds', () => {
  it('exports exactly its public API', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_FAILBACK_AFTER",
        "DEFAULT_MOCK_INTERVAL",
        "DEFAULT_PROVIDER_URLS",
        "DEFAULT_QUOTES",
        "DEFAULT_STALE_AFTER",
        "FeedError",
        "MOCK_DEFAULT_SYMBOLS",
        "VENUES",
        "createFrameParser",
        "createPriceFeedManager",
        "resolveProviderUrl",
      ]
    `)
  })
})
