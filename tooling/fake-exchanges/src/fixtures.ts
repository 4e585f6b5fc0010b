import { readFileSync } from 'node:fs'
import { FakeExchangeError } from './errors.js'

/**
 * The lines of `fixtures/<name>.jsonl` (real exchange frames shipped with this package; see
 * fixtures/SOURCES.md), e.g. `readFixture('binance-ticker')[0]`. Empty lines are dropped.
 */
export function readFixture(name: string): string[] {
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(name)) {
    throw new FakeExchangeError(
      'invalid-options',
      `readFixture('${name}'): pass a file name without path or extension, e.g. 'binance-ticker'`,
    )
  }
  // src/ and dist/ both sit one level below the package root, next to fixtures/.
  const url = new URL(`../fixtures/${name}.jsonl`, import.meta.url)
  let text: string
  try {
    text = readFileSync(url, 'utf8')
  } catch (error) {
    throw new FakeExchangeError('not-found', `readFixture('${name}'): no fixtures/${name}.jsonl`, {
      cause: error,
    })
  }
  return text.split('\n').filter((line) => line.trim() !== '')
}
