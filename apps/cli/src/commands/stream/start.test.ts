import { createServer } from 'node:net'
import type { AddressInfo, Server } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { run, spawnCli, tempHome } from '../../test-support/run.js'

describe('stream start', () => {
  let home: ReturnType<typeof tempHome>
  beforeEach(() => {
    home = tempHome()
    vi.stubEnv('CRYPTO_ANALYZER_HOME', home.path)
  })
  afterEach(() => {
    home.remove()
  })

  it('serves in the foreground, answers stream status, picks up a new alert and exits 0 on SIGTERM', async () => {
    const server = spawnCli(
      [
        'stream',
        'start',
        '--port',
        '0',
        '--symbols',
        'BTC,ETH',
        '--interval',
        '100',
        '--log-level',
        'warn',
      ],
      { CRYPTO_ANALYZER_HOME: home.path },
    )
    try {
      const [, url] = await server.waitForStdout(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      const port = new URL(url ?? '').port
      // The address lines may come in a later chunk than the first line.
      await server.waitForStdout(/ {2}websocket {2}ws:\/\/\S+\n/)
      expect(server.stdout()).toContain(
        `  dashboard  ${url ?? ''}/\n  websocket  ws://127.0.0.1:${port}/ws\n`,
      )

      const status = spawnCli(['stream', 'status', '--port', port, '--json'], {
        CRYPTO_ANALYZER_HOME: home.path,
      })
      expect(await status.exited).toEqual({ code: 0, signal: null })
      const document = JSON.parse(status.stdout()) as {
        status: string
        feeds: { provider: string; symbols: string[] }[]
      }
      expect(document.feeds).toMatchObject([{ provider: 'mock', symbols: ['BTC', 'ETH'] }])

      const table = await run(['stream', 'status', '--port', port])
      expect(table.exitCode).toBe(0)
      expect(table.stdout).toMatch(/mock\s+connected\s+BTC,ETH/)

      // The running server sees an alert saved by another process, without a restart.
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`)
      const fired = new Promise<Record<string, unknown>>((resolve) => {
        socket.on('message', (data: Buffer) => {
          const message = JSON.parse(data.toString()) as {
            type: string
            data: Record<string, unknown>
          }
          if (message.type === 'alert_triggered') resolve(message.data)
        })
      })
      await new Promise((resolve) => socket.once('open', resolve))
      socket.send(JSON.stringify({ type: 'join_room', room: 'alerts' }))
      const saved = await run([
        'stream',
        'alert',
        '--symbol',
        'ETH',
        '--condition',
        '"price > 1"',
        '--message',
        '"picked up"',
        '--no-watch',
        '--json',
      ])
      const id = (JSON.parse(saved.stdout) as { id: string }).id
      expect(await fired).toMatchObject({ id, symbol: 'ETH', message: 'picked up' })
      socket.close()

      server.kill('SIGTERM')
      expect(await server.exited).toEqual({ code: 0, signal: null })
    } finally {
      server.kill('SIGKILL')
    }
  })

  it('prints the URLs as JSON and keeps running when --dashboard finds no browser', async () => {
    const server = spawnCli(['stream', 'start', '--port', '0', '--dashboard', '--json'], {
      CRYPTO_ANALYZER_HOME: home.path,
      DISPLAY: '',
      BROWSER: '',
      PATH: '/nonexistent',
    })
    try {
      await server.waitForStdout(/\n/)
      const printed = JSON.parse(server.stdout()) as { url: string; dashboard: string; ws: string }
      expect(printed.dashboard).toBe(`${printed.url}/`)
      expect(printed.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/)
      // Still serving after the browser attempt.
      const response = await fetch(`${printed.url}/health`)
      expect(response.status).toBeLessThan(600)
      server.kill('SIGINT')
      expect(await server.exited).toEqual({ code: 0, signal: null })
    } finally {
      server.kill('SIGKILL')
    }
  })

  it('exits 1 naming the port when it is taken', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = String((blocker.address() as AddressInfo).port)
    try {
      const server = spawnCli(['stream', 'start', '--port', port], {
        CRYPTO_ANALYZER_HOME: home.path,
      })
      expect(await server.exited).toEqual({ code: 1, signal: null })
      expect(server.stderr()).toContain(`cannot listen on 127.0.0.1:${port}`)
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  it('exits 2 when the port is not a port number', async () => {
    for (const port of ['-1', '65536', 'http']) {
      const { exitCode, error } = await run(['stream', 'start', '--port', port])
      expect(exitCode).toBe(2)
      expect(error?.message).toContain(`--port: invalid port "${port}"`)
    }
  })

  it('exits 2 when the symbols or the provider are invalid', async () => {
    expect((await run(['stream', 'start', '--symbols', 'BTC,?'])).exitCode).toBe(2)
    expect((await run(['stream', 'start', '--provider', 'ftx'])).exitCode).toBe(2)
  })

  it('reads the provider from CRYPTO_ANALYZER_PROVIDER and rejects a bad one', async () => {
    vi.stubEnv('CRYPTO_ANALYZER_PROVIDER', 'nyse')
    const { exitCode, error } = await run(['stream', 'start'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain('nyse')
  })
})
