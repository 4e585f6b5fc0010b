import { describe, expect, it } from 'vitest'
import * as api from './index.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "ALERT_FIELDS",
        "ALERT_OPERATORS",
        "PortfolioError",
        "STATE_VERSION",
        "conditionHolds",
        "createAlertEngine",
        "createAlertId",
        "createPortfolioMonitor",
        "createStateStore",
        "parseAlertCondition",
        "roundForDisplay",
        "stateDocuments",
      ]
    `)
  })
})
