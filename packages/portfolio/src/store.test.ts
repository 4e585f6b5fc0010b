import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { PortfolioError, createAlertEngine, createStateStore } from './index.js'
import type { AlertDefinition, HoldingRecord } from './index.js'

const SUPPORT = join(import.meta.dirname, 'test-support')
const DIST = join(import.meta.dirname, '..', 'dist', 'index.js')

const homes: string[] = []
const children: ChildProcess[] = []

async function freshHome(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ca-portfolio-'))
  homes.push(dir)
  return join(dir, 'home')
}

/** Runs a test-support script with node; resolves with its exit code and output. */
function run(
  script: string,
  args: readonly string[],
): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(process.execPath, [join(SUPPORT, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    child.on('close', (code) => {
      resolve({ code, out, err })
    })
  })
  return { child, done }
}

async function rejection(promise: Promise<unknown>): Promise<PortfolioError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(PortfolioError)
    return error as PortfolioError
  }
  throw new Error('expected a rejection')
}

beforeAll(() => {
  if (!existsSync(DIST)) {
    throw new Error('dist/ is missing: build first (p -F @crypto-analyzer/portfolio build)')
  }
})

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of homes.splice(0)) await rm(dir, { recursive: true, force: true })
})

describe('createStateStore files', () => {
  it('returns empty lists before the first write, then writes versioned files atomically', async () => {
    const home = await freshHome()
    const store = createStateStore({ home })
    expect(store.paths).toEqual({
      holdings: join(home, 'holdings.json'),
      alerts: join(home, 'alerts.json'),
    })
    expect(await store.readHoldings()).toEqual([])
    expect(await store.readAlerts()).toEqual([])
    const written = await store.updateHoldings((current) => [
      ...current,
      { symbol: 'btc', amount: '0.50000000' },
      { symbol: 'ETH', amount: '10', costBasis: '2500.00' },
    ])
    expect(written).toEqual([
      { symbol: 'BTC', amount: '0.5' },
      { symbol: 'ETH', amount: '10', costBasis: '2500' },
    ])
    expect(JSON.parse(await readFile(store.paths.holdings, 'utf8'))).toEqual({
      version: 1,
      holdings: written,
    })
    expect((await stat(home)).mode & 0o777).toBe(0o700)
    expect((await stat(store.paths.holdings)).mode & 0o777).toBe(0o600)
    expect(await readdir(home)).toEqual(['holdings.json']) // no temp or lock file left
    expect(await createStateStore({ home }).readHoldings()).toEqual(written)
  })

  it('gives new alerts an id and createdAt, normalizes conditions, and keeps existing ones', async () => {
    const home = await freshHome()
    const store = createStateStore({ home, clock: { ...Date, now: () => 1234 } as never })
    const first = await store.updateAlerts((alerts) => [
      ...alerts,
      { symbol: 'btc', condition: 'PRICE >= 50000.0', message: 'BTC 50k', cooldown: 60_000 },
    ])
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({
      symbol: 'BTC',
      condition: 'price >= 50000',
      message: 'BTC 50k',
      cooldown: 60_000,
      createdAt: 1234,
    })
    expect(first[0]?.id).toMatch(/^[0-9a-f]{8}$/)
    const second = await store.updateAlerts((alerts) => [
      ...alerts,
      { symbol: 'ETH', condition: 'price < 1000' },
    ])
    expect(second.map((a) => a.id)).toEqual([first[0]?.id, second[1]?.id])
    expect(second[1]?.id).not.toBe(first[0]?.id)
    const removed = await store.updateAlerts((alerts) =>
      alerts.filter((a) => a.id !== first[0]?.id),
    )
    expect(removed.map((a) => a.symbol)).toEqual(['ETH'])
    expect(await store.readAlerts()).toEqual(removed)
  })

  it('refuses invalid changes and leaves the file as it was', async () => {
    const home = await freshHome()
    const store = createStateStore({ home })
    await store.updateHoldings(() => [{ symbol: 'BTC', amount: '1' }])
    const before = await readFile(store.paths.holdings, 'utf8')
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [
        () => store.updateHoldings((h) => [...h, { symbol: 'BTC', amount: '2' }]),
        'invalid-input',
        /repeats "BTC"/,
      ],
      [
        () => store.updateHoldings(() => [{ symbol: 'ETH', amount: '-1' }]),
        'invalid-input',
        /amount must be greater than 0/,
      ],
      [
        () => store.updateHoldings(() => [{ symbol: 'ETH', amount: 1 as unknown as string }]),
        'invalid-input',
        /must be a decimal/,
      ],
      [
        () => store.updateAlerts(() => [{ symbol: 'BTC', condition: 'price >> 1' }]),
        'invalid-condition',
        /position 6/,
      ],
      [
        () => store.updateAlerts(() => [{ id: 'bad id', symbol: 'BTC', condition: 'price > 1' }]),
        'invalid-input',
        /id must be/,
      ],
    ]
    for (const [call, reason, message] of cases) {
      const error = await rejection(call())
      expect(error.reason).toBe(reason)
      expect(error.message).toMatch(message)
    }
    await expect(
      store.updateHoldings(() => {
        throw new Error('caller bug')
      }),
    ).rejects.toThrow('caller bug')
    expect(await readFile(store.paths.holdings, 'utf8')).toBe(before)
    expect((await readdir(home)).sort()).toEqual(['holdings.json'])
  })

  it.each([
    ['not JSON', '{"version":1,"holdings":[', 'corrupt-file', /is corrupt \(not valid JSON/],
    ['not an object', '[1,2]', 'corrupt-file', /not a JSON object/],
    ['no version', '{"holdings":[]}', 'corrupt-file', /no valid "version"/],
    [
      'a float amount',
      '{"version":1,"holdings":[{"symbol":"BTC","amount":0.1}]}',
      'corrupt-file',
      /holdings\[0\]\.amount/,
    ],
    [
      'a bad symbol',
      '{"version":1,"holdings":[{"symbol":"B T C","amount":"1"}]}',
      'corrupt-file',
      /invalid symbol/,
    ],
    [
      'a newer version',
      '{"version":2,"holdings":[],"lots":[]}',
      'unsupported-version',
      /version 2, written by a newer crypto-analyzer/,
    ],
  ])(
    'reports a file with %s by path and never overwrites it',
    async (_name, content, reason, message) => {
      const home = await freshHome()
      const store = createStateStore({ home })
      await store.updateHoldings(() => [])
      await writeFile(store.paths.holdings, content)
      const read = await rejection(store.readHoldings())
      expect(read.reason).toBe(reason)
      expect(read.code).toBe('STORAGE_ERROR')
      expect(read.path).toBe(store.paths.holdings)
      expect(read.message).toContain(store.paths.holdings)
      expect(read.message).toMatch(message)
      const write = await rejection(store.updateHoldings(() => [{ symbol: 'BTC', amount: '1' }]))
      expect(write.reason).toBe(reason)
      expect(await readFile(store.paths.holdings, 'utf8')).toBe(content)
      expect(await readdir(home)).toEqual(['holdings.json'])
    },
  )

  it('rejects bad options naming the fix', () => {
    const home = join(tmpdir(), 'ca-portfolio-unused')
    expect(() => createStateStore({ home, pollInterval: 5000 })).toThrow(/at most 1000/)
    expect(() => createStateStore({ home, lockTimeout: 0 })).toThrow(
      /lockTimeout must be an integer >= 1/,
    )
    // The library never reads the environment: the app says where state lives.
    for (const options of [undefined, {}, { home: ' ' }]) {
      let error: unknown
      try {
        createStateStore(options as never)
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(PortfolioError)
      expect(error).toMatchObject({ reason: 'invalid-config', code: 'INVALID_CONFIG' })
      expect((error as Error).message).toMatch(
        /home .*is required; e\.g\. createStateStore\(\{ home: /,
      )
    }
  })
})

describe('createStateStore watchers', () => {
  it('delivers the current alerts, then changes by another store, and reports a corrupt file once', async () => {
    const home = await freshHome()
    const server = createStateStore({ home, pollInterval: 20 })
    const cli = createStateStore({ home })
    await cli.updateAlerts(() => [{ id: 'a1', symbol: 'BTC', condition: 'price > 1' }])
    const seen: AlertDefinition[][] = []
    const errors: PortfolioError[] = []
    const unwatch = server.watchAlerts((alerts) => seen.push(alerts), {
      onError: (e) => errors.push(e),
    })
    await vi.waitFor(
      () => {
        expect(seen).toHaveLength(1)
      },
      { timeout: 10_000, interval: 10 },
    )
    expect(seen[0]?.map((a) => a.id)).toEqual(['a1'])
    await cli.updateAlerts((alerts) => [
      ...alerts,
      { id: 'a2', symbol: 'ETH', condition: 'price < 5' },
    ])
    await vi.waitFor(
      () => {
        expect(seen).toHaveLength(2)
      },
      { timeout: 10_000, interval: 10 },
    )
    expect(seen[1]?.map((a) => a.id)).toEqual(['a1', 'a2'])

    // Replaced in one step (as an editor's save would), so the watcher cannot catch a half-written
    // file and report two different corrupt versions.
    await writeFile(`${server.paths.alerts}.edit`, '{"version":1,"alerts":[{"id":"a3"')
    await rename(`${server.paths.alerts}.edit`, server.paths.alerts)
    await vi.waitFor(
      () => {
        expect(errors).toHaveLength(1)
      },
      { timeout: 10_000, interval: 10 },
    )
    expect(errors[0]).toMatchObject({ reason: 'corrupt-file', path: server.paths.alerts })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(errors).toHaveLength(1) // reported once per change, not once per poll
    expect(seen).toHaveLength(2) // the corrupt file did not clear anything

    await writeFile(server.paths.alerts, '{"version":1,"alerts":[]}')
    await vi.waitFor(
      () => {
        expect(seen).toHaveLength(3)
      },
      { timeout: 10_000, interval: 10 },
    )
    expect(seen[2]).toEqual([])
    unwatch()
    await cli.updateAlerts(() => [{ id: 'a9', symbol: 'BTC', condition: 'price > 9' }])
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(seen).toHaveLength(3)
  })

  it('starts from the current file when emitInitial is false, and close() ends every watcher', async () => {
    const home = await freshHome()
    const store = createStateStore({ home, pollInterval: 20 })
    await store.updateHoldings(() => [{ symbol: 'BTC', amount: '1' }])
    const seen: HoldingRecord[][] = []
    store.watchHoldings((holdings) => seen.push(holdings), { emitInitial: false })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(seen).toEqual([])
    await store.updateHoldings((h) => [...h, { symbol: 'ETH', amount: '2' }])
    await vi.waitFor(
      () => {
        expect(seen).toHaveLength(1)
      },
      { timeout: 10_000, interval: 10 },
    )
    store.close()
    await store.updateHoldings(() => [])
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(seen).toHaveLength(1)
  })
})

describe('createStateStore across processes', () => {
  it('loses no write when two processes and this one update the same files many times', async () => {
    const home = await freshHome()
    const store = createStateStore({ home, pollInterval: 20, lockTimeout: 60_000 })
    // The "server": an alert engine hot-reloading from the store while the "CLIs" write.
    const engine = createAlertEngine()
    const unwatch = store.watchAlerts((alerts) => {
      engine.replaceAlerts(alerts)
    })
    const perChild = 25
    const writers = [
      run('store-writer.mjs', [home, 'p', String(perChild)]),
      run('store-writer.mjs', [home, 'q', String(perChild)]),
    ]
    for (let n = 0; n < 10; n++) {
      await store.updateAlerts((alerts) => [
        ...alerts,
        { id: `main-${n}`, symbol: 'ETH', condition: 'price > 1' },
      ])
    }
    const results = await Promise.all(writers.map((w) => w.done))
    for (const result of results) {
      expect(result.err).toBe('')
      expect(result).toMatchObject({ code: 0, out: 'done\n' })
    }
    const alerts = await store.readAlerts()
    const ids = alerts.map((a) => a.id ?? '').sort()
    const expected = [
      ...Array.from({ length: perChild }, (_, n) => `p-${n}`),
      ...Array.from({ length: perChild }, (_, n) => `q-${n}`),
      ...Array.from({ length: 10 }, (_, n) => `main-${n}`),
    ].sort()
    expect(ids).toEqual(expected)
    expect(await store.readHoldings()).toEqual(
      expect.arrayContaining([
        { symbol: 'P', amount: String(perChild) },
        { symbol: 'Q', amount: String(perChild) },
      ]),
    )
    // The watching engine saw every alert without a restart.
    await vi.waitFor(
      () => {
        expect(engine.listAlerts()).toHaveLength(expected.length)
      },
      {
        timeout: 10_000,
        interval: 20,
      },
    )
    unwatch()
    expect((await readdir(home)).sort()).toEqual(['alerts.json', 'holdings.json'])
  })

  it('leaves the old or the new file, never a torn one, when a writer is killed mid-write', async () => {
    const home = await freshHome()
    const store = createStateStore({ home })
    const size = 3000
    for (let round = 0; round < 4; round++) {
      const crasher = run('store-crasher.mjs', [home, String(size)])
      let out = ''
      crasher.child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
      // Let a few writes complete, then kill at a varying point of the next one.
      await vi.waitFor(
        () => {
          expect(out).toContain('writing 3\n')
        },
        { timeout: 30_000, interval: 5 },
      )
      await new Promise((resolve) => setTimeout(resolve, round * 7))
      crasher.child.kill('SIGKILL')
      await crasher.done
      const last = Math.max(...[...out.matchAll(/writing (\d+)/g)].map((m) => Number(m[1])))
      const holdings = await store.readHoldings()
      expect(holdings).toHaveLength(size)
      const generations = new Set(holdings.map((h) => h.amount.split('.')[0]))
      expect(generations.size).toBe(1)
      const generation = Number([...generations][0])
      expect([last - 1, last]).toContain(generation)
      // The next writer takes over the dead writer's lock and removes its temp file.
      await store.updateHoldings((current) => current.slice(0, size))
      expect((await readdir(home)).sort()).toEqual(['holdings.json'])
    }
    // Four child processes that each write 3,000 holdings several times: slow on a loaded machine.
  }, 120_000)

  it('times out on a live holder naming the lock, and takes over once the holder is dead', async () => {
    const home = await freshHome()
    const store = createStateStore({ home, lockTimeout: 300 })
    await store.updateAlerts(() => [])
    const holder = run('store-holder.mjs', [`${store.paths.alerts}.lock`])
    let out = ''
    holder.child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
    await vi.waitFor(
      () => {
        expect(out).toBe('locked\n')
      },
      { timeout: 10_000, interval: 5 },
    )
    const error = await rejection(
      store.updateAlerts((a) => [...a, { symbol: 'BTC', condition: 'price > 1' }]),
    )
    expect(error).toMatchObject({
      reason: 'lock-timeout',
      code: 'TIMEOUT',
      path: `${store.paths.alerts}.lock`,
    })
    expect(error.message).toContain(`process ${holder.child.pid}`)
    holder.child.kill('SIGKILL')
    await holder.done
    const alerts = await store.updateAlerts((a) => [
      ...a,
      { symbol: 'BTC', condition: 'price > 1' },
    ])
    expect(alerts).toHaveLength(1)
    expect((await readdir(home)).sort()).toEqual(['alerts.json'])
  })

  it('takes over a lock older than staleLockAfter even when its process seems alive', async () => {
    const home = await freshHome()
    const store = createStateStore({ home, staleLockAfter: 60_000, lockTimeout: 300 })
    await store.updateAlerts(() => [])
    const lockPath = `${store.paths.alerts}.lock`
    // A lock of a live process on another host: only its age can tell it is stale.
    await writeFile(
      lockPath,
      JSON.stringify({ pid: process.ppid, host: 'elsewhere', time: 0, nonce: 'n' }),
    )
    const add = () => store.updateAlerts((a) => [...a, { symbol: 'BTC', condition: 'price > 1' }])
    expect(await rejection(add())).toMatchObject({ reason: 'lock-timeout', path: lockPath })
    const longAgo = new Date(Date.now() - 120_000)
    await utimes(lockPath, longAgo, longAgo)
    expect(await add()).toHaveLength(1)
    expect((await readdir(home)).sort()).toEqual(['alerts.json'])
  })

  it('waits on an empty lock file for a grace period, then takes it over', async () => {
    const home = await freshHome()
    const store = createStateStore({ home, lockTimeout: 300 })
    const lockPath = `${store.paths.holdings}.lock`
    await store.updateHoldings(() => [])
    await writeFile(lockPath, '')
    const add = () => store.updateHoldings(() => [{ symbol: 'BTC', amount: '1' }])
    expect(await rejection(add())).toMatchObject({ reason: 'lock-timeout' })
    const longAgo = new Date(Date.now() - 10_000)
    await utimes(lockPath, longAgo, longAgo)
    expect(await add()).toEqual([{ symbol: 'BTC', amount: '1' }])
  })
})
