import { expect, it } from 'vitest'
import * as api from './index.js'

it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "LOG_LEVELS",
      "SETTINGS",
      "readLogLevel",
      "readServiceOptions",
      "settingsTable",
      "stateHome",
      "variableOf",
    ]
  `)
})
