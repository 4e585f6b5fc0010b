import { describe, expect, it } from 'vitest'
import * as api from './index.js'

describe('@crypto-analyzer/ws-server exports', () => {
  it('exports exactly the public API', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "WsServerError",
        "createRedisStateStore",
        "createWsServer",
        "startService",
      ]
    `)
  })
})
