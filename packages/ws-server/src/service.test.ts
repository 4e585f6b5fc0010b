import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStateStore } from '@crypto-analyzer/portfolio'
import { waitFor } from '@crypto-analyzer/test-support'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startService } from './index.js'
import type { RunningService } from './index.js'
import { connect } from './test-support/harness.js'

let home: string
let service: RunningService | undefined

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ca-service-'))
})

afterEach(async () => {
  await service?.close()
  service = undefined
  await rm(home, { recursive: true, force: true })
})

const wsUrl = (running: RunningService): string => `${running.url.replace('http', 'ws')}/ws`

describe('startService', () => {
  it('serves mock prices, status and the dashboard on a free port', async () => {
    service = await startService({ port: 0, interval: 20, seed: 7, home })
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const client = await connect(wsUrl(service))
    client.send({ type: 'join_room', room: 'prices:ETH' })
    await client.next((m) => m.type === 'room_joined')
    const update = await client.next((m) => m.type === 'price_update')
    expect(update).toMatchObject({ data: { symbol: 'ETH', source: 'mock' } })

    const status = (await (await fetch(`${service.url}/status`)).json()) as Record<string, unknown>
    expect(status).toMatchObject({ status: 'ok', clients: 1, rooms: { 'prices:ETH': 1 } })
    expect(status['feeds']).toEqual([
      expect.objectContaining({
        provider: 'mock',
        state: 'connected',
        symbols: ['BTC', 'ETH', 'ADA', 'DOT', 'LINK'],
      }),
    ])
    expect((await fetch(`${service.url}/health`)).status).toBe(200)
    const page = await fetch(`${service.url}/`)
    expect(page.headers.get('content-type')).toContain('text/html')

    await service.close()
    expect(await client.closed).toMatchObject({ code: 1001 })
    service = undefined
  })

  it('values saved holdings and fires an alert saved by another process without a restart', async () => {
    const store = createStateStore({ home })
    await store.updateHoldings(() => [{ symbol: 'BTC', amount: '0.5' }])
    service = await startService({ port: 0, interval: 20, seed: 1, home, symbols: ['BTC'] })
    const client = await connect(wsUrl(service))
    client.send({ type: 'join_room', room: 'portfolio' })
    client.send({ type: 'join_room', room: 'alerts' })
    const snapshot = await client.next((m) => m.type === 'portfolio_update')
    expect(snapshot).toMatchObject({
      data: { holdings: [expect.objectContaining({ symbol: 'BTC', amount: 0.5 })] },
    })

    // Written while the server runs, as `crypto-analyzer stream alert` does.
    await store.updateAlerts((alerts) => [
      ...alerts,
      { id: 'always', symbol: 'BTC', condition: 'price > 0', message: 'BTC trades' },
    ])
    const fired = await client.next(
      (m) => m.type === 'alert_triggered',
      'the hot-reloaded alert to fire',
    )
    expect(fired).toMatchObject({
      data: { id: 'always', symbol: 'BTC', condition: 'price > 0', message: 'BTC trades' },
    })
    store.close()
  })

  it('keeps serving prices when the saved state is corrupt, and leaves the file alone', async () => {
    const path = join(home, 'holdings.json')
    await writeFile(path, '{ not json')
    service = await startService({ port: 0, interval: 20, home, symbols: ['BTC'] })
    const client = await connect(wsUrl(service))
    client.send({ type: 'join_room', room: 'prices' })
    await client.next((m) => m.type === 'price_update')
    const { readFile } = await import('node:fs/promises')
    expect(await readFile(path, 'utf8')).toBe('{ not json')
  })

  it('fails with a clear error when the port is taken', async () => {
    service = await startService({ port: 0, home })
    const timers = (): number =>
      process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
    const before = timers()
    await expect(startService({ port: service.port, home })).rejects.toThrow(
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${service.port}.*pick another --port`),
    )
    // Nothing of the failed service is left running (no watchers, feeds or heartbeats).
    expect(timers()).toBeLessThanOrEqual(before)
  })

  it('rejects bad options before opening anything', async () => {
    await expect(startService({ port: 70_000, home })).rejects.toThrow(/port must be 0 to 65535/)
    await expect(startService({ port: 0, home, symbols: ['BTC-USD'] })).rejects.toThrow(
      /invalid symbol "BTC-USD"/,
    )
    await expect(startService({ port: 0 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(
        /home is required without redisUrl; e\.g\. home: stateHome/,
      ) as unknown,
    })
  })

  it('closes idempotently', async () => {
    service = await startService({ port: 0, home })
    const running = service
    await Promise.all([running.close(), running.close()])
    await waitFor(() => true, 'nothing')
    await expect(fetch(`${running.url}/health`)).rejects.toThrow()
    service = undefined
  })
})
