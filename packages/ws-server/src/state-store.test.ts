import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PortfolioError } from '@crypto-analyzer/portfolio'
import type { HoldingRecord } from '@crypto-analyzer/portfolio'
import { eventually } from '@crypto-analyzer/test-support'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createRedisStateStore } from './index.js'
import type { RedisStateStore } from './index.js'
import {
  REDIS_URL,
  dropPrefix,
  redisAvailable,
  startRedisProxy,
  uniquePrefix,
} from './test-support/cluster.js'
import type { RedisProxy } from './test-support/cluster.js'

// Real Redis: with CI=true these tests must run; elsewhere they skip (with the reason) when no
// Redis answers at REDIS_URL.
const available = await redisAvailable()
if (!available) {
  if (process.env['CI'] === 'true') {
    throw new Error(
      `CI=true but no Redis answers at ${REDIS_URL}; the state store tests cannot run`,
    )
  }
  console.warn(
    `Redis state store tests skipped: no Redis at ${REDIS_URL} (set REDIS_URL or start one)`,
  )
}

const WRITER = fileURLToPath(new URL('./test-support/state-writer.mjs', import.meta.url))
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url))

let redis: Redis
let prefix: string
const stores: RedisStateStore[] = []
const proxies: RedisProxy[] = []

beforeAll(() => {
  if (available) redis = new Redis(REDIS_URL)
})
afterAll(async () => {
  if (available) await redis.quit()
})
beforeEach(() => {
  prefix = uniquePrefix()
})
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.quit()))
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()))
  if (available) await dropPrefix(redis, prefix)
})

const open = (url = REDIS_URL): RedisStateStore => {
  const store = createRedisStateStore({ url, prefix })
  stores.push(store)
  return store
}

const failure = async (action: () => Promise<unknown>): Promise<PortfolioError> => {
  try {
    await action()
  } catch (error) {
    if (error instanceof PortfolioError) return error
    throw error
  }
  throw new Error('expected a PortfolioError')
}

const until = (check: () => boolean, what: string, timeout: number): Promise<true> =>
  eventually(() => Promise.resolve(check() ? true : undefined), what, timeout)

const runWriter = (tag: string, count: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, REDIS_URL, prefix, tag, String(count)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0) resolve(output)
      else reject(new Error(`writer ${tag} exited with ${String(code)}:\n${output}`))
    })
  })

describe('createRedisStateStore options', () => {
  it('refuses a URL that is not redis:// and a bad prefix, naming the fix', () => {
    expect(() => createRedisStateStore({ url: 'http://127.0.0.1:6379' })).toThrow(
      /not a redis:\/\/ or rediss:\/\/ URL; e\.g\. --redis-url redis:\/\/127\.0\.0\.1:6379/,
    )
    expect(() => createRedisStateStore({ url: REDIS_URL, prefix: 'has space' })).toThrow(
      /redis prefix "has space" must be/,
    )
  })

  it('fails with a clear io-error naming the URL when Redis is unreachable', async () => {
    const proxy = await startRedisProxy(REDIS_URL)
    await proxy.stop()
    const store = open(proxy.url.replace('redis://', 'redis://user:secret@'))
    const error = await failure(() => store.readHoldings())
    expect(error.reason).toBe('io-error')
    expect(error.message).toContain(
      `cannot use Redis at ${proxy.url.replace('redis://', 'redis://user:***@')}`,
    )
    expect(error.message).not.toContain('secret')
    expect(error.message).toContain('ECONNREFUSED')
    expect(error.message).toContain('CRYPTO_ANALYZER_REDIS_URL')
    expect(error.path).toBe(`${prefix}state:holdings`)
  })
})

describe.runIf(available)('createRedisStateStore on Redis', () => {
  it('round-trips holdings and alerts as the same versioned documents as the files', async () => {
    const store = open()
    expect(store.paths).toEqual({
      holdings: `${prefix}state:holdings`,
      alerts: `${prefix}state:alerts`,
    })
    expect(await store.readHoldings()).toEqual([])
    expect(await store.readAlerts()).toEqual([])

    const holdings = await store.updateHoldings(() => [
      { symbol: 'btc', amount: '0.50', costBasis: '42000' },
      { symbol: 'ETH', amount: '10' },
    ])
    expect(holdings).toEqual([
      { symbol: 'BTC', amount: '0.5', costBasis: '42000' },
      { symbol: 'ETH', amount: '10' },
    ])
    const alerts = await store.updateAlerts(() => [
      { symbol: 'BTC', condition: 'price>50000', message: 'BTC above 50k' },
    ])
    expect(alerts[0]).toMatchObject({ symbol: 'BTC', condition: 'price > 50000' })
    expect(alerts[0]?.id).toMatch(/^[\w-]+$/)
    expect(typeof alerts[0]?.createdAt).toBe('number')

    const other = open()
    expect(await other.readHoldings()).toEqual(holdings)
    expect(await other.readAlerts()).toEqual(alerts)
    const raw = await redis.get(`${prefix}state:holdings`)
    expect(JSON.parse(raw ?? 'null')).toEqual({ version: 1, holdings })

    // Invalid changes are refused and change nothing.
    const bad = await failure(() =>
      store.updateHoldings((current) => [...current, { symbol: 'BTC', amount: '1' }]),
    )
    expect(bad.reason).toBe('invalid-input')
    expect(await redis.get(`${prefix}state:holdings`)).toBe(raw)
  })

  it('loses no write when two processes each add 50 alerts at the same time', async () => {
    if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run the build first`)
    await Promise.all([runWriter('a', 50), runWriter('b', 50)])
    const ids = (await open().readAlerts()).map((alert) => alert.id ?? '')
    expect(ids).toHaveLength(100)
    for (const tag of ['a', 'b']) {
      for (let n = 0; n < 50; n++) expect(ids).toContain(`${tag}-${n}`)
    }
  })

  it('tells a watcher in one store about a change made by another within 5 s, without polling', async () => {
    const watching = open()
    const writer = open()
    const seen: HoldingRecord[][] = []
    watching.watchHoldings((holdings) => seen.push(holdings))
    await until(() => seen.length === 1, 'the initial list', 5000)
    expect(seen[0]).toEqual([])
    await writer.updateHoldings(() => [{ symbol: 'BTC', amount: '2' }])
    await until(() => seen.length === 2, 'the change', 5000)
    expect(seen[1]).toEqual([{ symbol: 'BTC', amount: '2' }])
    // A write of the same content is no change.
    await writer.updateHoldings((current) => current)
    await writer.updateAlerts(() => [{ id: 'x', symbol: 'ETH', condition: 'price > 1' }])
    await writer.updateHoldings(() => [{ symbol: 'BTC', amount: '3' }])
    await until(() => seen.length === 3, 'the second change', 5000)
    expect(seen[2]).toEqual([{ symbol: 'BTC', amount: '3' }])
  })

  it('starts from the current value with emitInitial false, and re-reads after a reconnect', async () => {
    const writer = open()
    await writer.updateAlerts(() => [{ id: 'one', symbol: 'BTC', condition: 'price > 1' }])
    const proxy = await startRedisProxy(REDIS_URL)
    proxies.push(proxy)
    const watching = open(proxy.url)
    const seen: string[][] = []
    const unwatch = watching.watchAlerts(
      (alerts) => seen.push(alerts.map((alert) => alert.id ?? '')),
      { emitInitial: false },
    )
    // The watcher is ready at some point after watchAlerts returns: write until it reports a
    // change. The list it started from (just "one") is never delivered.
    let n = 0
    await until(
      () => {
        if (seen.length > 0) return true
        void writer.updateAlerts((current) => [
          ...current,
          { id: `t${String(n++)}`, symbol: 'ETH', condition: 'price > 2' },
        ])
        return false
      },
      'a first change',
      5000,
    )
    await writer.readAlerts()
    await until(() => seen.at(-1)?.length === n + 1, 'the last write', 5000)
    expect(seen[0]?.[0]).toBe('one')
    expect(seen[0]?.length).toBeGreaterThan(1)
    // The notice of this write is lost while the watcher's connection is down.
    await proxy.stop()
    await writer.updateAlerts((current) => current.filter((alert) => alert.id !== 'one'))
    await proxy.restart()
    const count = seen.length
    await until(() => seen.length === count + 1, 'the re-read', 10_000)
    expect(seen.at(-1)).toHaveLength(n)
    expect(seen.at(-1)).not.toContain('one')
    unwatch()
    await writer.updateAlerts(() => [])
    await writer.readAlerts()
    expect(seen).toHaveLength(count + 1)
  })

  it('reports a corrupt or newer-version value with its key and leaves it untouched', async () => {
    const store = open()
    const key = `${prefix}state:alerts`
    await redis.set(key, '{"version":1,"alerts":[')
    const errors: PortfolioError[] = []
    store.watchAlerts(() => undefined, { onError: (error) => errors.push(error) })

    const read = await failure(() => store.readAlerts())
    expect(read.reason).toBe('corrupt-file')
    expect(read.path).toBe(key)
    expect(read.message).toContain(`${key} is corrupt`)
    const write = await failure(() =>
      store.updateAlerts(() => [{ id: 'x', symbol: 'BTC', condition: 'price > 1' }]),
    )
    expect(write.reason).toBe('corrupt-file')
    expect(await redis.get(key)).toBe('{"version":1,"alerts":[')
    await until(() => errors.length === 1, 'onError', 5000)
    expect(errors[0]?.path).toBe(key)

    await redis.set(key, '{"version":2,"alerts":[]}')
    const newer = await failure(() => store.readAlerts())
    expect(newer.reason).toBe('unsupported-version')
    expect(newer.message).toContain(`${key} has version 2`)
    expect(await redis.get(key)).toBe('{"version":2,"alerts":[]}')

    await redis.del(key)
    await redis.hset(key, 'a', '1')
    const wrongType = await failure(() => store.readAlerts())
    expect(wrongType.reason).toBe('corrupt-file')
    expect(wrongType.message).toContain(key)
    expect(await redis.hget(key, 'a')).toBe('1')
  })
})
