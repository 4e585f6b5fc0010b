import { startFakeBinance } from '@crypto-analyzer/fake-exchanges'
import type { FakeBinance } from '@crypto-analyzer/fake-exchanges'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ndjson, run } from '../../test-support/run.js'

describe('stream monitor', () => {
  let binance: FakeBinance
  beforeAll(async () => {
    binance = await startFakeBinance({ tickInterval: 100 })
  })
  afterAll(async () => {
    await binance.close()
  })

  it('prints NDJSON price_update data when run with --json', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'monitor',
      '--provider',
      'mock',
      '--symbols',
      'btc,eth',
      '--interval',
      '100',
      '--duration',
      '1',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    const lines = ndjson(stdout)
    expect(lines.length).toBeGreaterThanOrEqual(4)
    expect(new Set(lines.map((line) => line['symbol']))).toEqual(new Set(['BTC', 'ETH']))
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual([
        'change_24h',
        'change_percent_24h',
        'price',
        'source',
        'symbol',
        'timestamp',
        'volume_24h',
      ])
      expect(line['source']).toBe('mock')
    }
  })

  it('prints one plain line per update when stdout is not a terminal', async () => {
    const { stdout, stderr, exitCode } = await run([
      'stream',
      'monitor',
      '--symbols',
      'BTC',
      '--interval',
      '100',
      '--duration',
      '0.5',
      '--seed',
      '7',
    ])
    expect(exitCode).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(2)
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d BTC \d+(\.\d+)? [+-]?\d+(\.\d+)? [+-]?\d+\.\d\d% vol \S+ mock$/,
    )
    expect(stderr).toContain('feed mock: connected')
  })

  it('repeats the same prices for the same --seed', async () => {
    const argv = ['stream', 'monitor', '--symbols', 'ETH', '--interval', '50', '--duration', '0.4']
    const prices = async (): Promise<unknown[]> =>
      ndjson((await run([...argv, '--json', '--seed', '42', '--log-level', 'error'])).stdout)
        .slice(0, 3)
        .map((line) => line['price'])
    expect(await prices()).toEqual(await prices())
  })

  it('streams from the exchange given by --binance-url', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'monitor',
      '--provider',
      'binance',
      '--binance-url',
      binance.url,
      '--symbols',
      'BTC',
      '--duration',
      '1.5',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    const lines = ndjson(stdout)
    expect(lines.length).toBeGreaterThan(0)
    expect(lines[0]).toMatchObject({ symbol: 'BTC', source: 'binance' })
  })

  it('serves a symbol the primary does not list from the --fallback provider', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'monitor',
      '--provider',
      'binance',
      '--binance-url',
      binance.url,
      '--fallback',
      'mock',
      '--symbols',
      'BTC,ZZZ',
      '--interval',
      '100',
      '--duration',
      '2',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    const sources = new Map(ndjson(stdout).map((line) => [line['symbol'], line['source']]))
    expect(sources.get('BTC')).toBe('binance')
    expect(sources.get('ZZZ')).toBe('mock')
  })

  it('exits 1 naming the symbol when the exchange does not list it', async () => {
    const { exitCode, error, stderr } = await run([
      'stream',
      'monitor',
      '--provider',
      'binance',
      '--binance-url',
      binance.url,
      '--symbols',
      'NOPE',
      '--duration',
      '20',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(1)
    expect(error?.message).toContain('binance rejected NOPE (nopeusdt@ticker)')
    expect(error?.message).toContain('(check the symbol, or try --quote or --fallback)')
    expect(stderr).toContain('NOPE')
  })

  it('exits 2 with the message and an example when a symbol is invalid', async () => {
    const { exitCode, error } = await run(['stream', 'monitor', '--symbols', 'BTC,B-TC'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('--symbols: invalid symbol "B-TC"')
    expect(error?.suggestions).toEqual([
      'crypto-analyzer stream monitor --symbols BTC --provider mock',
    ])
  })

  it('exits 2 listing the providers when the provider is unknown', async () => {
    const { exitCode, error } = await run(['stream', 'monitor', '--provider', 'ftx'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('binance, coinbase, mock')
  })

  it('exits 2 when a fallback provider is unknown', async () => {
    const { exitCode, error } = await run(['stream', 'monitor', '--fallback', 'coinbase,ftx'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('ftx')
  })

  it('exits 2 when --refresh is not a positive number of seconds', async () => {
    const { exitCode, error } = await run(['stream', 'monitor', '--refresh', '-1'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('--refresh')
  })

  it('exits 2 when --duration is not a number', async () => {
    const { exitCode, error } = await run(['stream', 'monitor', '--duration', 'soon'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain(
      'expected a number of seconds greater than 0 and at most 2147483, got "soon"',
    )
  })
})
