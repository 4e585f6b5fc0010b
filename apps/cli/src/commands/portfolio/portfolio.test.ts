import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ndjson, run, tempHome } from '../../test-support/run.js'

describe('portfolio', () => {
  let home: ReturnType<typeof tempHome>
  beforeEach(() => {
    home = tempHome()
    vi.stubEnv('CRYPTO_ANALYZER_HOME', home.path)
  })
  afterEach(() => {
    home.remove()
  })

  const holdingsFile = (): unknown =>
    JSON.parse(readFileSync(join(home.path, 'holdings.json'), 'utf8'))

  describe('portfolio add', () => {
    it('saves the holding with exact decimals and its cost basis', async () => {
      const { stdout, exitCode } = await run([
        'portfolio',
        'add',
        'btc',
        '0.50',
        '--cost',
        '42000.10',
      ])
      expect(exitCode).toBe(0)
      expect(holdingsFile()).toEqual({
        version: 1,
        holdings: [{ symbol: 'BTC', amount: '0.5', costBasis: '42000.1' }],
      })
      expect(stdout).toBe(`Saved BTC 0.5 at cost 42000.1 in ${join(home.path, 'holdings.json')}\n`)
    })

    it('saves in the directory --home names, over CRYPTO_ANALYZER_HOME', async () => {
      const other = tempHome()
      try {
        const { stdout, exitCode } = await run([
          'portfolio',
          'add',
          'ETH',
          '2',
          '--home',
          other.path,
        ])
        expect(exitCode).toBe(0)
        expect(stdout).toContain(join(other.path, 'holdings.json'))
        expect(JSON.parse(readFileSync(join(other.path, 'holdings.json'), 'utf8'))).toEqual({
          version: 1,
          holdings: [{ symbol: 'ETH', amount: '2' }],
        })
        expect(() => holdingsFile()).toThrow(/ENOENT/)
      } finally {
        other.remove()
      }
    })

    it('replaces the amount of a symbol already held and says what it was', async () => {
      await run(['portfolio', 'add', 'ETH', '10'])
      await run(['portfolio', 'add', 'BTC', '1'])
      const { stdout } = await run(['portfolio', 'add', 'ETH', '12.5'])
      expect(stdout).toContain('Saved ETH 12.5 (was 10)')
      expect(holdingsFile()).toEqual({
        version: 1,
        holdings: [
          { symbol: 'ETH', amount: '12.5' },
          { symbol: 'BTC', amount: '1' },
        ],
      })
    })

    it('keeps the saved cost basis when a new amount comes without --cost', async () => {
      await run(['portfolio', 'add', 'BTC', '1', '--cost', '30000'])
      await run(['portfolio', 'add', 'BTC', '2'])
      expect(holdingsFile()).toEqual({
        version: 1,
        holdings: [{ symbol: 'BTC', amount: '2', costBasis: '30000' }],
      })
    })

    it('prints the saved record with --json', async () => {
      const { stdout } = await run(['portfolio', 'add', 'ADA', '1000', '--json'])
      expect(JSON.parse(stdout)).toEqual({ symbol: 'ADA', amount: '1000' })
    })

    it('exits 2 with an example when the amount is not a positive decimal', async () => {
      for (const amount of ['0', 'lots', '1,5']) {
        const { exitCode, error } = await run(['portfolio', 'add', 'BTC', amount])
        expect(exitCode).toBe(2)
        expect(error?.message).toContain(`invalid amount "${amount}"`)
        expect(error?.suggestions).toEqual(['crypto-analyzer portfolio add BTC 0.5'])
      }
    })

    it('exits 2 when the cost is negative', async () => {
      const { exitCode, error } = await run(['portfolio', 'add', 'BTC', '1', '--cost=-5'])
      expect(exitCode).toBe(2)
      expect(error?.message).toContain('invalid cost "-5"')
    })

    it('exits 2 when the symbol is invalid', async () => {
      const { exitCode, error } = await run(['portfolio', 'add', 'BTC/USD', '1'])
      expect(exitCode).toBe(2)
      expect(error?.message).toContain('invalid symbol "BTC/USD"')
    })

    it('exits 2 when the amount is missing', async () => {
      const { exitCode, error } = await run(['portfolio', 'add', 'BTC'])
      expect(exitCode).toBe(2)
      expect(error?.message).toContain('Missing 1 required arg')
    })

    it('exits 1 naming the file and leaves a corrupt holdings file untouched', async () => {
      const path = join(home.path, 'holdings.json')
      writeFileSync(path, 'not json')
      const { exitCode, error } = await run(['portfolio', 'add', 'BTC', '1'])
      expect(exitCode).toBe(1)
      expect(error?.message).toContain(`${path} is corrupt`)
      expect(readFileSync(path, 'utf8')).toBe('not json')
    })
  })

  describe('portfolio remove', () => {
    it('removes a holding', async () => {
      await run(['portfolio', 'add', 'BTC', '1'])
      await run(['portfolio', 'add', 'ETH', '2'])
      const { stdout, exitCode } = await run(['portfolio', 'remove', 'btc'])
      expect(exitCode).toBe(0)
      expect(stdout).toContain('Removed BTC (1)')
      expect(holdingsFile()).toEqual({ version: 1, holdings: [{ symbol: 'ETH', amount: '2' }] })
    })

    it('exits 1 pointing at list when the symbol is not held', async () => {
      const { exitCode, error } = await run(['portfolio', 'remove', 'DOGE'])
      expect(exitCode).toBe(1)
      expect(error?.message).toBe(
        'no DOGE holding to remove; "crypto-analyzer portfolio list" shows what you hold',
      )
    })
  })

  describe('portfolio list', () => {
    it('lists holdings as a table and as JSON', async () => {
      await run(['portfolio', 'add', 'BTC', '0.5', '--cost', '40000'])
      await run(['portfolio', 'add', 'ETH', '10'])
      const { stdout } = await run(['portfolio', 'list'])
      expect(stdout.split('\n').slice(0, 3)).toEqual([
        'SYMBOL  AMOUNT  COST BASIS',
        'BTC        0.5       40000',
        'ETH         10           -',
      ])
      const json = await run(['portfolio', 'list', '--json'])
      expect(JSON.parse(json.stdout)).toEqual([
        { symbol: 'BTC', amount: '0.5', costBasis: '40000' },
        { symbol: 'ETH', amount: '10' },
      ])
    })

    it('says how to add a holding when there is none', async () => {
      const { stdout, exitCode } = await run(['portfolio', 'list'])
      expect(exitCode).toBe(0)
      expect(stdout).toContain(
        'No holdings yet: add one with "crypto-analyzer portfolio add BTC 0.5".',
      )
    })
  })

  describe('portfolio show', () => {
    it('prints portfolio_update messages valued at live prices with --json', async () => {
      await run(['portfolio', 'add', 'BTC', '2'])
      await run(['portfolio', 'add', 'ETH', '10', '--cost', '1000'])
      const { stdout, exitCode } = await run([
        'portfolio',
        'show',
        '--provider',
        'mock',
        '--interval',
        '100',
        '--refresh',
        '0.2',
        '--duration',
        '1',
        '--json',
        '--log-level',
        'error',
      ])
      expect(exitCode).toBe(0)
      const messages = ndjson(stdout)
      expect(messages.length).toBeGreaterThan(0)
      const last = messages.at(-1) as {
        type: string
        data: { total_value: number; holdings: { symbol: string; amount: number; value: number }[] }
      }
      expect(last.type).toBe('portfolio_update')
      expect(last.data.holdings.map((holding) => [holding.symbol, holding.amount])).toEqual([
        ['BTC', 2],
        ['ETH', 10],
      ])
      expect(last.data.total_value).toBeGreaterThan(0)
    })

    it('prints one line per snapshot when stdout is not a terminal', async () => {
      await run(['portfolio', 'add', 'DOT', '100'])
      const { stdout, exitCode } = await run([
        'portfolio',
        'show',
        '--interval',
        '100',
        '--refresh',
        '0.2',
        '--duration',
        '0.8',
        '--log-level',
        'error',
      ])
      expect(exitCode).toBe(0)
      expect(stdout.trim().split('\n').at(-1)).toMatch(
        /^\d\d:\d\d:\d\d total \d+\.\d\d [+-]?\d+\.\d\d \([+-]?\d+\.\d\d%\) DOT \d+\.\d\d$/,
      )
    })

    it('exits 1 suggesting portfolio add when nothing is held', async () => {
      const { exitCode, error } = await run(['portfolio', 'show', '--duration', '1'])
      expect(exitCode).toBe(1)
      expect(error?.message).toContain('no holdings saved in')
      expect(error?.suggestions).toEqual(['crypto-analyzer portfolio add BTC 0.5'])
    })

    it('exits 2 when the provider is unknown', async () => {
      const { exitCode } = await run(['portfolio', 'show', '--provider', 'nasdaq'])
      expect(exitCode).toBe(2)
    })
  })
})
