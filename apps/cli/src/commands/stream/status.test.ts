import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { run } from '../../test-support/run.js'

const STATUS = {
  status: 'ok',
  version: '0.1.0',
  uptime_seconds: 12.3,
  clients: 3,
  rooms: { prices: 2, alerts: 1 },
  feeds: [
    {
      provider: 'binance',
      state: 'connected',
      symbols: ['BTC', 'ETH'],
      messages_received: 120,
      uptime_seconds: 12.1,
      latency_ms: 35.2,
      reconnects: 0,
      dropped_frames: 1,
      last_message_at: new Date().toISOString(),
    },
  ],
  bus: { events_published: 240, events_processed: 480, active_subscriptions: 4 },
}

/** A stand-in for the server's /status: 401 without `Bearer secret`. */
function startStatusServer(): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/status') {
      response.writeHead(404).end()
      return
    }
    if (request.headers.authorization !== 'Bearer secret') {
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":"unauthorized"}')
      return
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(STATUS))
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(server)
    })
  })
}

describe('stream status', () => {
  let server: Server
  let port: string
  beforeAll(async () => {
    server = await startStatusServer()
    port = String((server.address() as AddressInfo).port)
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('prints the status document unchanged with --json', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'status',
      '--port',
      port,
      '--token',
      'secret',
      '--json',
    ])
    expect(exitCode).toBe(0)
    expect(JSON.parse(stdout)).toEqual(STATUS)
  })

  it('shows the server, the bus and one row per feed as a table', async () => {
    const { stdout, exitCode } = await run([
      'stream',
      'status',
      '--port',
      port,
      '--token',
      'secret',
    ])
    expect(exitCode).toBe(0)
    expect(stdout).toContain(`Server   http://127.0.0.1:${port}  ok  v0.1.0  up 12s`)
    expect(stdout).toContain('Clients  3  rooms: prices 2, alerts 1')
    expect(stdout).toContain('Bus      240 published, 480 processed, 4 subscriptions')
    expect(stdout).toMatch(/PROVIDER\s+STATE\s+SYMBOLS\s+MESSAGES/)
    expect(stdout).toMatch(
      /binance\s+connected\s+BTC,ETH\s+120\s+12s\s+35\.2ms\s+0\s+1\s+\d+\.\ds ago/,
    )
  })

  it('takes the token from CRYPTO_ANALYZER_TOKEN', async () => {
    vi.stubEnv('CRYPTO_ANALYZER_TOKEN', 'secret')
    const { exitCode } = await run(['stream', 'status', '--port', port, '--json'])
    expect(exitCode).toBe(0)
  })

  it('exits 1 asking for a token when the server requires one', async () => {
    const { exitCode, error } = await run(['stream', 'status', '--port', port])
    expect(exitCode).toBe(1)
    expect(error?.message).toContain('requires a token (HTTP 401): pass --token')
  })

  it('exits 1 with one clear line when no server is listening', async () => {
    const closed = await startStatusServer()
    const closedPort = String((closed.address() as AddressInfo).port)
    await new Promise((resolve) => closed.close(resolve))
    const { exitCode, error, stdout } = await run(['stream', 'status', '--port', closedPort])
    expect(exitCode).toBe(1)
    expect(stdout).toBe('')
    expect(error?.message).toBe(
      `cannot reach a crypto-analyzer server at http://127.0.0.1:${closedPort} (connection refused); start one with "crypto-analyzer stream start" or point --host/--port at it`,
    )
  })

  it('exits 2 when the port is out of range', async () => {
    const { exitCode, error } = await run(['stream', 'status', '--port', '70000'])
    expect(exitCode).toBe(2)
    expect(error?.message).toContain(
      '--port: invalid port "70000": expected a whole number from 1 to 65535',
    )
  })

  it('exits 2 when the host is not a host name', async () => {
    const { exitCode } = await run(['stream', 'status', '--host', 'http://x/'])
    expect(exitCode).toBe(2)
  })
})
