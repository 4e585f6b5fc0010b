import { expect, it } from 'vitest'
import * as api from './index.js'

it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CryptoAnalyzerError",
      "Decimal",
      "EventType",
      "FEED_STATES",
      "MAX_SYMBOLS",
      "PROVIDERS",
      "createEventBus",
      "decodeClientMessage",
      "decodeServerMessage",
      "encodeAlertTriggered",
      "encodeError",
      "encodeFeedStatus",
      "encodePong",
      "encodePortfolioUpdate",
      "encodePriceData",
      "encodePriceUpdate",
      "encodeRoomEvent",
      "encodeServerMessage",
      "formatDecimal",
      "isCryptoAnalyzerError",
      "isProviderName",
      "normalizeSymbol",
      "parseDecimal",
      "parseRoom",
      "parseSymbols",
      "silentLogger",
      "systemClock",
    ]
  `)
})
