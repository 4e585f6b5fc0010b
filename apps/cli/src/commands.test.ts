import { Config } from '@oclif/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { root, run, tempHome } from './test-support/run.js'

describe('crypto-analyzer', () => {
  let home: ReturnType<typeof tempHome>
  beforeEach(() => {
    home = tempHome()
    vi.stubEnv('CRYPTO_ANALYZER_HOME', home.path)
  })
  afterEach(() => {
    home.remove()
  })

  it('ships exactly the commands of the contract', async () => {
    const config = await Config.load({ root })
    expect(config.commandIDs.filter((id) => !id.startsWith('help')).sort()).toMatchInlineSnapshot(`
      [
        "portfolio:add",
        "portfolio:list",
        "portfolio:remove",
        "portfolio:show",
        "stream:alert",
        "stream:monitor",
        "stream:start",
        "stream:status",
        "stream:test",
      ]
    `)
  })

  it('prints its version when run with --version', async () => {
    const { stdout, exitCode } = await run(['--version'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^@crypto-analyzer\/cli\/\d+\.\d+\.\d+ /)
  })

  it('lists the topics when run with --help', async () => {
    const { stdout } = await run(['--help'])
    expect(stdout).toContain('stream')
    expect(stdout).toContain('portfolio')
  })

  it('suggests the closest command when a command is misspelt', async () => {
    const { exitCode, stderr, error } = await run(['stream', 'moniter'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('"stream moniter" is not a crypto-analyzer command')
    expect(JSON.stringify(error)).toContain('crypto-analyzer stream monitor')
    expect(stderr).toBe('')
  })

  it('suggests the closest flag when a flag is misspelt', async () => {
    const { exitCode, error } = await run(['stream', 'status', '--prot', '1'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('Nonexistent flag: --prot')
    expect(error?.message).toContain('did you mean --port?')
  })

  it('writes pino JSON logs to stderr at --log-level, and nothing below it', async () => {
    const argv = ['stream', 'test', '--symbols', 'BTC', '--duration', '0.3', '--json']
    const debug = await run([...argv, '--log-level', 'debug'])
    const levels = debug.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { level: number }).level)
    expect(levels).toContain(20)
    expect(JSON.parse(debug.stdout)).toMatchObject({ ok: true })
    const quiet = await run([...argv, '--log-level', 'error'])
    expect(quiet.stderr).toBe('')
  })

  it('takes the log level from CRYPTO_ANALYZER_LOG_LEVEL', async () => {
    vi.stubEnv('CRYPTO_ANALYZER_LOG_LEVEL', 'error')
    const { stderr, exitCode } = await run([
      'stream',
      'test',
      '--symbols',
      'BTC',
      '--duration',
      '0.3',
    ])
    expect(exitCode).toBe(0)
    expect(stderr).toBe('')
  })

  it('exits 2 naming the allowed levels when --log-level is unknown', async () => {
    const { exitCode, error } = await run(['portfolio', 'list', '--log-level', 'loud'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('error, warn, info, debug')
  })

  it('exits 2 when an upstream URL is not a WebSocket URL', async () => {
    const { exitCode, error } = await run([
      'stream',
      'test',
      '--binance-url',
      'http://127.0.0.1:1/ws',
    ])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('--binance-url: expected a ws:// or wss:// URL')
  })

  it('exits 2 when the URL environment variable is not a WebSocket URL', async () => {
    vi.stubEnv('CRYPTO_ANALYZER_COINBASE_URL', 'not a url')
    const { exitCode, error } = await run(['stream', 'test', '--provider', 'coinbase'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('--coinbase-url')
  })

  it('exits 2 when --quote is not an asset symbol', async () => {
    const { exitCode, error } = await run(['stream', 'test', '--quote', 'US-D'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('invalid quote "US-D"')
  })

  it('exits 2 when --interval is below 1 ms', async () => {
    const { exitCode } = await run(['stream', 'test', '--interval', '0'])
    expect(exitCode).toBe(2)
  })
})
