import { expect, it } from 'vitest'
import * as api from './index.js'

it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CHANNEL_EVENT_TYPES",
      "CryptoAnalyzerError",
      "Decimal",
      "EventType",
      "FEED_STATES",
      "MAX_SYMBOLS",
      "PROVIDERS",
      "ROOM_FAMILIES",
      "ROOM_NAMES_TEXT",
      "channelMessage",
      "createEmitter",
      "createEventBus",
      "decodeClientMessage",
      "decodeServerMessage",
      "encodeAlertData",
      "encodeAlertTriggered",
      "encodeError",
      "encodeFeedStatus",
      "encodeFeedStatusData",
      "encodeMessage",
      "encodePong",
      "encodePortfolioData",
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
      "roomName",
      "silentLogger",
      "systemClock",
    ]
  `)
})
