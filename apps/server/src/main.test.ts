import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAIN, startServerProcess } from './test-support/process.js'
import type { ServerProcess } from './test-support/process.js'

let home: string
let server: ServerProcess | undefined

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ca-server-'))
})

afterEach(async () => {
  if (server?.child.exitCode === null) {
    server.child.kill('SIGKILL')
    await server.exited
  }
  server = undefined
  await rm(home, { recursive: true, force: true })
})

describe('apps/server main', () => {
  it('starts from the environment, serves, and on SIGTERM sends 1001 and exits 0', async () => {
    server = await startServerProcess({
      CRYPTO_ANALYZER_HOME: home,
      CRYPTO_ANALYZER_SYMBOLS: 'btc,eth',
      CRYPTO_ANALYZER_MOCK_INTERVAL_MS: '50',
      CRYPTO_ANALYZER_TOKEN: 'secret',
    })
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect((await fetch(`${server.url}/status`)).status).toBe(401)
    const status = (await (
      await fetch(`${server.url}/status`, { headers: { authorization: 'Bearer secret' } })
    ).json()) as { feeds: { symbols: string[] }[] }
    expect(status.feeds[0]?.symbols).toEqual(['BTC', 'ETH'])

    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=secret`)
    const firstPrice = new Promise<string>((resolve) => {
      ws.on('message', (data: Buffer) => {
        const text = data.toString()
        if (text.includes('"price_update"')) resolve(text)
      })
    })
    await new Promise((resolve) => ws.once('open', resolve))
    ws.send('{"type":"join_room","room":"prices"}')
    expect(JSON.parse(await firstPrice)).toMatchObject({
      type: 'price_update',
      data: { source: 'mock' },
    })

    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    server.child.kill('SIGTERM')
    expect(await closed).toBe(1001)
    expect(await server.exited).toEqual({ code: 0, signal: null })
    expect(server.stderr()).toContain('shutting down')
  })

  it('exits 0 on SIGINT too', async () => {
    server = await startServerProcess({ CRYPTO_ANALYZER_HOME: home })
    server.child.kill('SIGINT')
    expect(await server.exited).toEqual({ code: 0, signal: null })
  })

  it.each([
    [
      { CRYPTO_ANALYZER_PROVIDER: 'kraken' },
      2,
      /CRYPTO_ANALYZER_PROVIDER="kraken" is not a provider/,
    ],
    [{ CRYPTO_ANALYZER_PORT: 'http' }, 2, /CRYPTO_ANALYZER_PORT="http" must be an integer/],
    [{ CRYPTO_ANALYZER_LOG_LEVEL: 'loud' }, 2, /CRYPTO_ANALYZER_LOG_LEVEL="loud" is not a level/],
  ])('refuses bad configuration %j with exit %i and a clear message', (env, exit, message) => {
    const result = spawnSync(process.execPath, [MAIN], {
      env: { PATH: process.env['PATH'] ?? '', CRYPTO_ANALYZER_HOME: home, ...env },
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(result.status).toBe(exit)
    expect(result.stderr).toMatch(message)
  })

  it('exits 1 with a clear message when the port is taken', async () => {
    server = await startServerProcess({ CRYPTO_ANALYZER_HOME: home })
    const port = new URL(server.url).port
    const result = spawnSync(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'] ?? '',
        CRYPTO_ANALYZER_HOME: home,
        CRYPTO_ANALYZER_PORT: port,
      },
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}`)
  })
})
