import { createEventBus, isCryptoAnalyzerError } from '@crypto-analyzer/core-events'
import { describe, expect, it } from 'vitest'
import { WsServerError, createWsServer } from './index.js'
import type { WsServerOptions } from './index.js'

const bus = createEventBus()

function failure(options: Partial<WsServerOptions> | undefined): WsServerError {
  try {
    const server = createWsServer(options as WsServerOptions)
    void server.close()
  } catch (error) {
    expect(error).toBeInstanceOf(WsServerError)
    return error as WsServerError
  }
  throw new Error('expected createWsServer to throw')
}

describe('createWsServer options', () => {
  it.each([
    [undefined, 'needs an options object'],
    [{ symbols: ['BTC'] }, 'bus must be a StreamEventBus'],
    [{ bus }, 'symbols must be a list'],
    [{ bus, symbols: ['BTC', 'bad-one'] }, 'symbols: "bad-one" is not a symbol'],
    [{ bus, symbols: [42] }, 'symbols: 42 is not a string'],
    [{ bus, symbols: [], token: '' }, 'token must be a non-empty string'],
    [{ bus, symbols: [], version: '' }, 'version must be a non-empty string'],
    [{ bus, symbols: [], allowedOrigins: ['example.com'] }, 'is not an origin'],
    [{ bus, symbols: [], allowedOrigins: ['https://example.com/path'] }, 'is not an origin'],
    [
      { bus, symbols: [], maxRooms: 0 },
      'maxRooms must be an integer >= 1 (got 0); e.g. maxRooms: 50',
    ],
    [{ bus, symbols: [], heartbeatInterval: 1.5 }, 'heartbeatInterval must be an integer'],
    [
      { bus, symbols: [], softLimit: 2 * 1024 * 1024 },
      'softLimit must be an integer from 1 to 1048576',
    ],
    [
      { bus, symbols: [], softLimit: 1000, hardLimit: 1000 },
      'hardLimit (1000) must be above softLimit (1000)',
    ],
    [{ bus, symbols: [], rateLimit: { messages: 0 } }, 'rateLimit.messages must be'],
    [{ bus, symbols: [], feeds: {} }, 'feeds must have getStatus()'],
    [{ bus, symbols: [], clock: {} }, 'clock must be a Clock'],
    [{ bus, symbols: [], logger: {} }, 'logger must be pino-compatible'],
  ] as [Partial<WsServerOptions> | undefined, string][])(
    'rejects %j naming the fix',
    (options, message) => {
      const error = failure(options)
      expect(error.message).toContain(message)
      expect(error.reason).toBe('invalid-config')
      expect(error.code).toBe('INVALID_CONFIG')
      expect(isCryptoAnalyzerError(error)).toBe(true)
    },
  )

  it('normalizes symbols and origins', async () => {
    const server = createWsServer({
      bus,
      symbols: ['btc', 'BTC', 'eth'],
      allowedOrigins: ['HTTPS://Example.com:443/'],
      processMetrics: false,
    })
    const text = await (await server.app.request('/metrics')).text()
    expect(text).toContain('crypto_analyzer_ws_room_members{room="prices:BTC"} 0')
    expect(text).toContain('crypto_analyzer_ws_room_members{room="prices:ETH"} 0')
    await server.close()
  })
})
