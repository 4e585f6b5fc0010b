import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SETTINGS, settingsTable, variableOf } from './index.js'

const README = new URL('../../../README.md', import.meta.url)

/** The rows of the root README's configuration table: variable, flag, default. */
function readmeRows(): string[][] {
  const text = readFileSync(README, 'utf8')
  const section = text.slice(text.indexOf('## Configuration'))
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| variable')) + 1)
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `CRYPTO_ANALYZER_'))
    .map((line) =>
      line
        .split('|')
        .slice(1, 4)
        .map((cell) => cell.trim()),
    )
}

describe('SETTINGS', () => {
  it('has one entry per variable and per flag', () => {
    const variables = SETTINGS.map((item) => item.variable)
    const flags = SETTINGS.map((item) => item.flag)
    expect(new Set(variables).size).toBe(variables.length)
    expect(new Set(flags).size).toBe(flags.length)
    for (const variable of variables) expect(variable).toMatch(/^CRYPTO_ANALYZER_[A-Z_]+$/)
  })

  it('is the table the root README shows, row for row', () => {
    const expected = SETTINGS.map((item) => [
      `\`${item.variable}\``,
      `\`--${item.flag}\``,
      item.default,
    ])
    expect(readmeRows()).toEqual(expected)
  })

  it('renders as a Markdown table with a row per setting', () => {
    const lines = settingsTable().split('\n')
    expect(lines).toHaveLength(SETTINGS.length + 2)
    expect(lines[2]).toBe(
      '| `CRYPTO_ANALYZER_HOST` | `--host` | `127.0.0.1` | interface the server listens on |',
    )
  })
})

describe('variableOf', () => {
  it('gives the variable behind a flag', () => {
    expect(variableOf('port')).toBe('CRYPTO_ANALYZER_PORT')
    expect(variableOf('binance-url')).toBe('CRYPTO_ANALYZER_BINANCE_URL')
    expect(variableOf('interval')).toBe('CRYPTO_ANALYZER_MOCK_INTERVAL_MS')
  })

  it('throws for a flag no setting has', () => {
    expect(() => variableOf('prot')).toThrow(/no setting has the flag --prot/)
  })
})
