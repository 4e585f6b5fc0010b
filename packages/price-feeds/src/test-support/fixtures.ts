import { readFileSync } from 'node:fs'

const DIR = new URL('../../../../tooling/fake-exchanges/fixtures/', import.meta.url)

/** The lines of `tooling/fake-exchanges/fixtures/<name>.jsonl`, verbatim. */
export function fixtureLines(name: string): string[] {
  return readFileSync(new URL(`${name}.jsonl`, DIR), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
}
