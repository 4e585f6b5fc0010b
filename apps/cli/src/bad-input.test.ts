// Bad input, command by command: every flag and argument with bad values gives a clear message
// (naming the flag or the value) and exit 2 before anything connects; unreadable or corrupt saved
// state gives a clear message naming the file and exit 1, and the file is kept as it was.
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { run, tempHome } from './test-support/run.js'

let home: ReturnType<typeof tempHome>
beforeEach(() => {
  home = tempHome()
  vi.stubEnv('CRYPTO_ANALYZER_HOME', home.path)
  // Nothing here may reach a real exchange, even by mistake.
  vi.stubEnv('CRYPTO_ANALYZER_BINANCE_URL', 'ws://127.0.0.1:9/ws')
  vi.stubEnv('CRYPTO_ANALYZER_COINBASE_URL', 'ws://127.0.0.1:9')
})
afterEach(() => {
  home.remove()
})

const MANY = Array.from({ length: 201 }, (_, index) => `S${index}`).join(',')

/** [argv, what the message must say]. */
const USAGE_ERRORS: [string[], RegExp][] = [
  // stream monitor: every flag it takes, global ones included.
  [['stream', 'monitor', '--symbols', 'btc,BTC-USD'], /invalid symbol "BTC-USD"/],
  [['stream', 'monitor', '--symbols', 'ſol'], /invalid symbol "ſol"/],
  [['stream', 'monitor', '--symbols', 'ABCDEFGHIJKLMNOPQRSTU'], /invalid symbol/],
  [['stream', 'monitor', '--symbols', ' , '], /no symbols given/],
  [['stream', 'monitor', '--symbols', MANY], /201 symbols/],
  [['stream', 'monitor', '--provider', 'ftx'], /--provider=ftx .*binance, coinbase, mock/],
  [['stream', 'monitor', '--fallback', 'coinbase,ftx'], /--fallback=ftx/],
  [
    ['stream', 'monitor', '--refresh', '0'],
    /--refresh: .*greater than 0 and at most 2147483, got "0"/,
  ],
  [['stream', 'monitor', '--refresh', '-1'], /--refresh/],
  [['stream', 'monitor', '--refresh', 'abc'], /--refresh: .*got "abc"/],
  [['stream', 'monitor', '--refresh', 'NaN'], /--refresh: .*got "NaN"/],
  [['stream', 'monitor', '--refresh', 'Infinity'], /--refresh: .*got "Infinity"/],
  [['stream', 'monitor', '--refresh', '1e400'], /--refresh: .*got "1e400"/],
  [['stream', 'monitor', '--duration', '0'], /--duration: .*got "0"/],
  [['stream', 'monitor', '--duration', '1,5'], /--duration: .*got "1,5"/],
  [['stream', 'monitor', '--quote', '"us dollar"'], /--quote: invalid quote "us dollar"/],
  [['stream', 'monitor', '--quote', 'ÜSD'], /--quote: invalid quote "ÜSD"/],
  [['stream', 'monitor', '--interval', '0'], /--interval: .*greater than or equal to 1/],
  [['stream', 'monitor', '--interval', 'fast'], /--interval: .*integer/],
  [['stream', 'monitor', '--interval', '2.5'], /--interval: .*integer/],
  [['stream', 'monitor', '--seed', 'abc'], /--seed: .*integer/],
  [['stream', 'monitor', '--seed', '1.5'], /--seed: .*integer/],
  [['stream', 'monitor', '--binance-url', 'http://127.0.0.1/ws'], /--binance-url: .*ws:\/\//],
  [['stream', 'monitor', '--coinbase-url', '"not a url"'], /--coinbase-url: .*"not a url"/],
  [['stream', 'monitor', '--log-level', 'loud'], /--log-level=loud .*error, warn, info, debug/],
  [['stream', 'monitor', '--symbolz', 'btc'], /did you mean --symbols/],
  [['stream', 'monitor', '--symbols'], /--symbols/],
  // stream test
  [['stream', 'test', '--duration', '-5'], /--duration/],
  [['stream', 'test', '--symbols', 'BTC/USDT'], /invalid symbol "BTC\/USDT"/],
  [['stream', 'test', '--provider', ''], /--provider/],
  [['stream', 'test', '--fallback', 'mock,ftx'], /--fallback=ftx/],
  // stream start
  [['stream', 'start', '--port', '65536'], /--port: invalid port "65536"/],
  [['stream', 'start', '--port', '-1'], /--port/],
  [['stream', 'start', '--port', 'http'], /--port: invalid port "http"/],
  [['stream', 'start', '--port', '80.5'], /--port: invalid port "80.5"/],
  [['stream', 'start', '--host', '"a b"'], /--host: invalid host "a b"/],
  [['stream', 'start', '--host', 'http://x'], /--host: invalid host "http:\/\/x"/],
  [['stream', 'start', '--port', '0', '--allowed-origins', '%%%'], /"%%%" is not an origin/],
  [['stream', 'start', '--port', '0', '--redis-url', 'nope'], /redis URL "nope"/],
  [['stream', 'start', '--port', '0', '--token', ''], /token/],
  [['stream', 'start', '--symbols', 'btc,$$$'], /invalid symbol "\$\$\$"/],
  [['stream', 'start', '--provider', 'binance.com'], /--provider=binance.com/],
  [['stream', 'start', '--interval', '-3'], /--interval/],
  // stream status
  [['stream', 'status', '--port', '0'], /--port: invalid port "0"/],
  [['stream', 'status', '--port', '99999'], /--port: invalid port "99999"/],
  [['stream', 'status', '--host', 'x?y'], /--host: invalid host "x\?y"/],
  // stream alert
  [['stream', 'alert', '--symbol', 'BTC-USD', '--condition', '"price > 1"'], /invalid symbol/],
  [['stream', 'alert', '--symbol', 'BTC', '--condition', '"price >"'], /--condition: /],
  [['stream', 'alert', '--symbol', 'BTC', '--condition', '"foo > 1"'], /--condition: .*foo/],
  [['stream', 'alert', '--symbol', 'BTC', '--condition', '"price > abc"'], /--condition: /],
  [['stream', 'alert', '--symbol', 'BTC', '--condition', '"price > 1e400"'], /"1e400"/],
  [['stream', 'alert', '--symbol', 'BTC', '--condition', '"price > 1 or"'], /--condition: /],
  [
    ['stream', 'alert', '--symbol', 'BTC', '--condition', '"price > 1"', '--cooldown', '0'],
    /--cooldown: .*got "0"/,
  ],
  [['stream', 'alert', '--list', '--remove', 'a1'], /--remove|--list/],
  // portfolio
  [['portfolio', 'add', 'BTC-USD', '1'], /invalid symbol "BTC-USD"/],
  [['portfolio', 'add', 'BTC', 'abc'], /invalid amount "abc"/],
  [['portfolio', 'add', 'BTC', '-1'], /invalid amount "-1"/],
  [['portfolio', 'add', 'BTC', '0'], /amount/],
  [['portfolio', 'add', 'BTC', 'NaN'], /invalid amount "NaN"/],
  [['portfolio', 'add', 'BTC', 'Infinity'], /invalid amount "Infinity"/],
  [['portfolio', 'add', 'BTC', '0x10'], /invalid amount "0x10"/],
  [['portfolio', 'add', 'BTC', '1e400'], /invalid amount "1e400"/],
  [['portfolio', 'add', 'BTC', '1e999999999999999'], /invalid amount "1e999999999999999"/],
  [['portfolio', 'add', 'BTC', '1', '--cost', 'free'], /invalid cost "free"/],
  [['portfolio', 'add', 'BTC', '1', '--cost', '-5'], /invalid cost "-5"/],
  [['portfolio', 'add', 'BTC'], /amount/i],
  [['portfolio', 'remove', 'ＢＴＣ'], /invalid symbol "ＢＴＣ"/],
  [['portfolio', 'show', '--refresh', '0'], /--refresh/],
  [['portfolio', 'show', '--provider', 'nyse'], /--provider=nyse/],
]

describe('bad flags and arguments', () => {
  it.each(USAGE_ERRORS)('crypto-analyzer %j exits 2 with a clear message', async (argv, said) => {
    const result = await run(argv)
    expect(result.exitCode).toBe(2)
    expect(result.error?.message).toMatch(said)
    // Nothing reaches stdout (scripts parsing it see no half output).
    expect(result.stdout).toBe('')
  })

  it.each([
    [{ CRYPTO_ANALYZER_LOG_LEVEL: 'loud' }, ['stream', 'test'], /loud/],
    [{ CRYPTO_ANALYZER_BINANCE_URL: 'https://api.binance.com' }, ['stream', 'test'], /ws:\/\//],
    [{ CRYPTO_ANALYZER_MOCK_INTERVAL_MS: '0' }, ['stream', 'test'], /interval/],
    [{ CRYPTO_ANALYZER_QUOTE: 'U$D' }, ['stream', 'test'], /"U\$D"/],
    [{ CRYPTO_ANALYZER_PORT: 'eighty' }, ['stream', 'start'], /"eighty"/],
    [{ CRYPTO_ANALYZER_SYMBOLS: 'btc;eth' }, ['stream', 'start'], /invalid symbol "btc;eth"/],
    [{ CRYPTO_ANALYZER_PROVIDER: 'ftx' }, ['stream', 'start'], /ftx/],
    [
      { CRYPTO_ANALYZER_FALLBACK: 'coinbase,ftx' },
      ['stream', 'test'],
      /CRYPTO_ANALYZER_FALLBACK="coinbase,ftx" names "ftx", not a provider/,
    ],
    [{ CRYPTO_ANALYZER_LEADER_LEASE_MS: '100' }, ['stream', 'start'], /leader-lease/],
  ])('a bad environment value %j exits 2 too', async (env, argv, said) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
    const result = await run(argv)
    expect(result.exitCode).toBe(2)
    expect(result.error?.message).toMatch(said)
  })

  // Values above 2147483 s would overflow Node's timers (which then fire after 1 ms).
  it.each([
    [['stream', 'test', '--duration', '1e300']],
    [['stream', 'monitor', '--refresh', '1e10']],
  ])('crypto-analyzer %j exits 2 instead of overflowing a timer', async (argv) => {
    const result = await run(argv)
    expect(result.exitCode).toBe(2)
    expect(result.error?.message).toMatch(/at most 2147483/)
  })
})

// ---------------------------------------------------------------------------------------------

interface Corruption {
  readonly name: string
  /** Writes the bad file (or directory) at `path`. */
  readonly make: (path: string) => void
  readonly said: RegExp
}

const CORRUPTIONS: Corruption[] = [
  {
    name: 'truncated JSON',
    make: (path) => {
      writeFileSync(path, '{"version":1,"holdings":[{"symbol":"BTC","amount":"1"}')
    },
    said: /is corrupt \(not valid JSON/,
  },
  {
    name: 'binary garbage',
    make: (path) => {
      writeFileSync(path, Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x0a, 0x80]))
    },
    said: /is corrupt/,
  },
  {
    name: 'an empty file',
    make: (path) => {
      writeFileSync(path, '')
    },
    said: /is corrupt/,
  },
  {
    name: 'valid JSON of the wrong shape',
    make: (path) => {
      writeFileSync(path, '{"version":1,"holdings":"all of them","alerts":42}')
    },
    said: /is corrupt/,
  },
  {
    name: 'a file from a newer version',
    make: (path) => {
      writeFileSync(path, '{"version":99,"holdings":[],"alerts":[]}')
    },
    said: /version 99/,
  },
  {
    name: 'a directory where the file should be (unreadable)',
    make: (path) => {
      mkdirSync(path)
      writeFileSync(join(path, 'keep.txt'), 'mine')
    },
    said: /cannot read|EISDIR|is corrupt/,
  },
]

/** Everything in the home directory, file contents included, to prove nothing was touched. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      for (const [inner, text] of Object.entries(snapshot(path))) files[`${name}/${inner}`] = text
    } else {
      files[name] = readFileSync(path).toString('base64')
    }
  }
  return files
}

const STATE_COMMANDS: [file: 'holdings.json' | 'alerts.json', argv: string[]][] = [
  ['holdings.json', ['portfolio', 'list']],
  ['holdings.json', ['portfolio', 'add', 'ETH', '2']],
  ['holdings.json', ['portfolio', 'remove', 'BTC']],
  ['holdings.json', ['portfolio', 'show', '--duration', '1']],
  ['alerts.json', ['stream', 'alert', '--list']],
  ['alerts.json', ['stream', 'alert', '--remove', 'a1b2c3']],
  [
    'alerts.json',
    ['stream', 'alert', '--symbol', 'BTC', '--condition', '"price > 1"', '--no-watch'],
  ],
]

describe('unreadable or corrupt saved state', () => {
  const cases = STATE_COMMANDS.flatMap(([file, argv]) =>
    CORRUPTIONS.map((corruption) => [file, corruption.name, argv, corruption] as const),
  )

  it.each(cases)(
    '%s as %s: %j exits 1 naming the file and keeps it',
    async (file, _name, argv, corruption) => {
      const path = join(home.path, file)
      corruption.make(path)
      const before = snapshot(home.path)
      const result = await run(argv)
      expect(result.exitCode).toBe(1)
      expect(result.error?.message).toContain(path)
      expect(result.error?.message).toMatch(corruption.said)
      expect(result.stdout).toBe('')
      expect(snapshot(home.path)).toEqual(before)
    },
  )
})
