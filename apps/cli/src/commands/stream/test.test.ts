import { startFakeBinance, startFakeCoinbase } from '@crypto-analyzer/fake-exchanges'
import type { FakeBinance } from '@crypto-analyzer/fake-exchanges'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { run } from '../../test-support/run.js'

interface Report {
  provider: string
  duration_seconds: number
  ok: boolean
  messages_received: number
  reconnects: number
  dropped_frames: number
  latency_ms: { p50: number | null; p99: number | null }
  symbols: Record<
    string,
    { messages: number; last_price: string | null; first_message_ms: number | null }
  >
}

// Runs against the fake exchanges last 3 s: the first ticker of every symbol must arrive after a
// connect and a subscribe, which can take more than a second when the whole suite runs at once.
describe('stream test', () => {
  let binance: FakeBinance
  beforeAll(async () => {
    binance = await startFakeBinance({ tickInterval: 100 })
  })
  afterAll(async () => {
    await binance.close()
  })

  it('prints the contract report with --json and exits 0 when every symbol delivered', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'test',
      '--symbols',
      'BTC,ETH',
      '--interval',
      '100',
      '--duration',
      '1',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    const report = JSON.parse(stdout) as Report
    expect(Object.keys(report)).toEqual([
      'provider',
      'duration_seconds',
      'ok',
      'messages_received',
      'reconnects',
      'dropped_frames',
      'latency_ms',
      'symbols',
    ])
    expect(report).toMatchObject({ provider: 'mock', duration_seconds: 1, ok: true, reconnects: 0 })
    expect(Object.keys(report.symbols)).toEqual(['BTC', 'ETH'])
    const btc = report.symbols['BTC']!
    expect(btc.messages).toBeGreaterThanOrEqual(3)
    expect(btc.last_price).toMatch(/^\d+(\.\d+)?$/)
    expect(btc.first_message_ms).toBeGreaterThanOrEqual(0)
    expect(report.messages_received).toBe(btc.messages + report.symbols['ETH']!.messages)
    expect(typeof report.latency_ms.p50).toBe('number')
    expect(report.latency_ms.p99).toBeGreaterThanOrEqual(report.latency_ms.p50!)
  })

  it('prints a table per symbol and the totals without --json', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'test',
      '--symbols',
      'ADA',
      '--interval',
      '100',
      '--duration',
      '0.5',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    expect(stdout).toContain('stream test  provider mock, 0.5 s  ✓ every symbol delivered data')
    expect(stdout).toMatch(/SYMBOL\s+MESSAGES\s+LAST PRICE\s+FIRST MESSAGE/)
    expect(stdout).toMatch(/ADA\s+\d+\s+0\.\d+\s+\d+ ms/)
    expect(stdout).toMatch(/reconnects 0 · dropped frames 0 · latency p50 \d+(\.\d)? ms/)
  })

  it('reports the fake Binance given by --binance-url', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'test',
      '--provider',
      'binance',
      '--binance-url',
      binance.url,
      '--symbols',
      'BTC,ETH',
      '--duration',
      '3',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    const report = JSON.parse(stdout) as Report
    expect(report.provider).toBe('binance')
    expect(report.ok).toBe(true)
    expect(report.symbols['BTC']!.messages).toBeGreaterThan(0)
  })

  it('subscribes to the markets of --quote', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'test',
      '--provider',
      'binance',
      '--binance-url',
      binance.url,
      '--symbols',
      'BNB',
      '--quote',
      'btc',
      '--duration',
      '3',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    expect((JSON.parse(stdout) as Report).symbols['BNB']!.messages).toBeGreaterThan(0)
    expect(JSON.stringify(binance.requests)).toContain('bnbbtc@ticker')
  })

  it('takes the quote and the Binance URL from the environment', async () => {
    vi.stubEnv('CRYPTO_ANALYZER_QUOTE', 'BNB')
    vi.stubEnv('CRYPTO_ANALYZER_BINANCE_URL', binance.url)
    const { stdout, exitCode } = await run([
      'stream',
      'test',
      '--provider',
      'binance',
      '--symbols',
      'DOGE',
      '--duration',
      '3',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    expect((JSON.parse(stdout) as Report).ok).toBe(true)
    expect(JSON.stringify(binance.requests)).toContain('dogebnb@ticker')
  })

  it('reports the fake Coinbase given by --coinbase-url', async () => {
    const coinbase = await startFakeCoinbase({ tickInterval: 100 })
    try {
      const { stdout, exitCode } = await run([
        'stream',
        'test',
        '--provider',
        'coinbase',
        '--coinbase-url',
        coinbase.url,
        '--symbols',
        'ETH,SOL',
        '--duration',
        '3',
        '--json',
        '--log-level',
        'error',
      ])
      expect(exitCode).toBe(0)
      const report = JSON.parse(stdout) as Report
      expect(report.provider).toBe('coinbase')
      expect(report.symbols['SOL']!.messages).toBeGreaterThan(0)
    } finally {
      await coinbase.close()
    }
  })

  it('exits 1 with ok false and names a symbol the exchange does not list', async () => {
    const { stdout, exitCode, error } = await run([
      'stream',
      'test',
      '--provider',
      'binance',
      '--binance-url',
      binance.url,
      '--symbols',
      'BTC,NOPE',
      '--duration',
      '3',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(1)
    const report = JSON.parse(stdout) as Report
    expect(report.ok).toBe(false)
    expect(report.symbols['NOPE']).toEqual({
      messages: 0,
      last_price: null,
      first_message_ms: null,
    })
    expect(report.symbols['BTC']!.messages).toBeGreaterThan(0)
    expect(error?.message).toContain('NOPE delivered no data in 3 s')
    expect(error?.message).toContain('binance rejected NOPE (nopeusdt@ticker)')
    expect(error?.message).toContain('(check the symbol, or try --quote or --fallback)')
  })

  it('exits 1 when the exchange cannot be reached', async () => {
    const { exitCode, error } = await run([
      'stream',
      'test',
      '--provider',
      'binance',
      '--binance-url',
      'ws://127.0.0.1:9/ws',
      '--symbols',
      'BTC',
      '--duration',
      '1',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(1)
    expect(error?.message).toContain('BTC delivered no data in 1 s: binance reconnecting')
  })

  it('exits 2 when the provider is unknown', async () => {
    const { exitCode } = await run(['stream', 'test', '--provider', 'ftx'])
    expect(exitCode).toBe(2)
  })

  it('exits 2 with an example when a symbol is too long', async () => {
    const { exitCode, error } = await run(['stream', 'test', '--symbols', 'A'.repeat(21)])
    expect(exitCode).toBe(2)
    expect(error?.suggestions).toEqual(['crypto-analyzer stream test --symbols BTC --duration 10'])
  })
})
