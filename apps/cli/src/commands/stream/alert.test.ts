import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ndjson, run, tempHome } from '../../test-support/run.js'

describe('stream alert', () => {
  let home: ReturnType<typeof tempHome>
  beforeEach(() => {
    home = tempHome()
    vi.stubEnv('CRYPTO_ANALYZER_HOME', home.path)
  })
  afterEach(() => {
    home.remove()
  })

  const saved = (): {
    id: string
    symbol: string
    condition: string
    message?: string
    cooldown?: number
  }[] =>
    (JSON.parse(readFileSync(join(home.path, 'alerts.json'), 'utf8')) as { alerts: never[] }).alerts

  it('saves the alert in the state directory and prints its id when run with --no-watch', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'alert',
      '--symbol',
      'btc',
      '--condition',
      '"PRICE >  50000.0"',
      '--message',
      '"BTC above 50k"',
      '--cooldown',
      '60',
      '--no-watch',
    ])
    expect(exitCode).toBe(0)
    const [alert] = saved()
    expect(alert).toMatchObject({
      symbol: 'BTC',
      condition: 'price > 50000',
      message: 'BTC above 50k',
      cooldown: 60_000,
    })
    expect(stdout).toBe(`Alert ${alert!.id} saved: BTC price > 50000 ("BTC above 50k")\n`)
  })

  it('prints the saved definition as JSON with --json', async () => {
    const { stdout } = await run([
      'stream',
      'alert',
      '--symbol',
      'ETH',
      '--condition',
      '"price < 1000"',
      '--no-watch',
      '--json',
    ])
    const printed = JSON.parse(stdout) as Record<string, unknown>
    expect(printed).toEqual({ id: saved()[0]!.id, symbol: 'ETH', condition: 'price < 1000' })
  })

  it('watches after saving and prints each firing', async () => {
    const { stdout, stderr, exitCode } = await run([
      'stream',
      'alert',
      '--symbol',
      'BTC',
      '--condition',
      '"price > 0"',
      '--message',
      '"BTC is priced"',
      '--provider',
      'mock',
      '--interval',
      '50',
      '--duration',
      '1',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    const lines = stdout.trim().split('\n')
    const id = saved()[0]!.id
    expect(lines[0]).toBe(`Alert ${id} saved: BTC price > 0 ("BTC is priced")`)
    // Fires once on its edge, then stays quiet while the condition keeps holding.
    expect(lines.slice(1)).toHaveLength(1)
    expect(lines[1]).toMatch(/^🔔 \d\d:\d\d:\d\d BTC price > 0 at \d+(\.\d+)?: BTC is priced$/)
    expect(stderr).toContain('Watching BTC on mock')
  })

  it('prints firings as alert_triggered messages with --json', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'alert',
      '--symbol',
      'ETH',
      '--condition',
      '"price > 1"',
      '--interval',
      '50',
      '--duration',
      '1',
      '--json',
      '--log-level',
      'error',
    ])
    expect(exitCode).toBe(0)
    const [definition, firing] = ndjson(stdout)
    expect(firing).toMatchObject({
      type: 'alert_triggered',
      data: {
        id: definition!['id'],
        symbol: 'ETH',
        condition: 'price > 1',
        message: 'ETH price > 1',
      },
    })
  })

  it('lists the saved alerts as a table and as JSON', async () => {
    await run(['stream', 'alert', '--symbol', 'BTC', '--condition', '"price > 1"', '--no-watch'])
    await run(['stream', 'alert', '--symbol', 'ETH', '--condition', '"price < 2"', '--no-watch'])
    const [first, second] = saved()
    const table = await run(['stream', 'alert', '--list'])
    expect(table.stdout).toMatch(
      /^ID\s+SYMBOL\s+CONDITION\s+MESSAGE\s+COOLDOWN\s+CREATED \(UTC\)\n/,
    )
    expect(table.stdout).toMatch(
      new RegExp(`${first!.id}\\s+BTC\\s+price > 1\\s+BTC price > 1\\s+-`),
    )
    expect(table.stdout).toContain(second!.id)
    const json = await run(['stream', 'alert', '--list', '--json'])
    expect((JSON.parse(json.stdout) as { id: string }[]).map((alert) => alert.id)).toEqual([
      first!.id,
      second!.id,
    ])
  })

  it('says how to add one when no alert is saved', async () => {
    const { stdout } = await run(['stream', 'alert', '--list'])
    expect(stdout).toContain('No alerts saved. Add one: crypto-analyzer stream alert --symbol BTC')
  })

  it('removes a saved alert by id', async () => {
    await run(['stream', 'alert', '--symbol', 'BTC', '--condition', '"price > 1"', '--no-watch'])
    const id = saved()[0]!.id
    const { stdout, exitCode } = await run(['stream', 'alert', '--remove', id])
    expect(exitCode).toBe(0)
    expect(stdout).toBe(`Removed alert ${id}: BTC price > 1\n`)
    expect(saved()).toEqual([])
  })

  it('exits 1 pointing at --list when the id to remove is unknown', async () => {
    const { exitCode, error } = await run(['stream', 'alert', '--remove', 'deadbeef'])
    expect(exitCode).toBe(1)
    expect(error?.message).toContain(
      'no saved alert has id "deadbeef"; "crypto-analyzer stream alert --list"',
    )
  })

  it('exits 2 showing where a condition is wrong', async () => {
    const { exitCode, error } = await run([
      'stream',
      'alert',
      '--symbol',
      'BTC',
      '--condition',
      '"price >> 5"',
    ])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('--condition: invalid alert condition at position')
    expect(error?.message).toContain('^')
  })

  it('exits 2 when the symbol is invalid', async () => {
    const { exitCode, error } = await run([
      'stream',
      'alert',
      '--symbol',
      'BT-C',
      '--condition',
      '"price > 5"',
    ])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('invalid symbol')
  })

  it('exits 2 when --symbol or --condition is missing', async () => {
    const { exitCode, error } = await run(['stream', 'alert', '--symbol', 'BTC'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('stream alert needs --symbol and --condition')
  })

  it('exits 2 when --list and --remove are combined', async () => {
    const { exitCode } = await run(['stream', 'alert', '--list', '--remove', 'abc'])
    expect(exitCode).toBe(2)
  })

  it('exits 1 naming the file and leaves a corrupt alerts file untouched', async () => {
    const path = join(home.path, 'alerts.json')
    writeFileSync(path, '{"version":1,"alerts":[')
    const { exitCode, error } = await run([
      'stream',
      'alert',
      '--symbol',
      'BTC',
      '--condition',
      '"price > 5"',
      '--no-watch',
    ])
    expect(exitCode).toBe(1)
    expect(error?.message).toContain(`${path} is corrupt`)
    expect(readFileSync(path, 'utf8')).toBe('{"version":1,"alerts":[')
  })
})
