import { Decimal, EventType } from '@crypto-analyzer/core-events'
import type { HoldingValue, PortfolioSnapshot } from '@crypto-analyzer/core-events'
import { waitFor } from '@crypto-analyzer/test-support'
import { afterEach, describe, expect, it } from 'vitest'
import {
  SYMBOLS,
  connect,
  data,
  ofType,
  publishPrice,
  startServer,
} from './test-support/harness.js'
import type { Harness, TestClient } from './test-support/harness.js'

let harness: Harness | undefined
const clients: TestClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) {
    client.ws.resume()
    client.ws.terminate()
  }
  await harness?.stop()
  harness = undefined
})

const KIB = 1024

/** A portfolio snapshot of `count` holdings, about 100 bytes each on the wire. */
function bigPortfolio(count: number): PortfolioSnapshot {
  const holdings: HoldingValue[] = Array.from({ length: count }, (_, index) => ({
    symbol: `H${index}`,
    amount: new Decimal('1.2345'),
    value: new Decimal('12345.6789'),
    change24h: new Decimal('-12.3456'),
    price: new Decimal('10000.123'),
  }))
  return {
    totalValue: new Decimal('1'),
    totalChange24h: new Decimal('0'),
    totalChangePercent24h: new Decimal('0'),
    holdings,
  }
}

async function joined(h: Harness, rooms: string[]): Promise<TestClient> {
  const c = await connect(h.wsUrl)
  clients.push(c)
  for (const room of rooms) c.send({ type: 'join_room', room })
  await c.collect(rooms.length, ofType('room_joined'))
  return c
}

const prices = (client: TestClient): number => client.messages.filter(ofType('price_update')).length

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Publishes prices (and optionally big portfolio snapshots, to fill socket buffers sooner) in
 * batches, letting I/O run between batches, until `done` holds.
 */
async function flood(
  h: Harness,
  done: () => boolean,
  options: {
    portfolio?: PortfolioSnapshot
    limit?: number
    keepUp?: (published: number) => boolean
  } = {},
): Promise<number> {
  let published = 0
  const limit = options.limit ?? 200_000
  while (!done()) {
    if (published > limit) throw new Error(`still not done after ${published} updates`)
    for (let index = 0; index < 100; index++) {
      publishPrice(
        h.bus,
        SYMBOLS[index % SYMBOLS.length] as string,
        `${1000 + (published % 997)}.5`,
      )
      published++
    }
    if (options.portfolio !== undefined) {
      for (let index = 0; index < 5; index++) {
        h.bus.publish(
          h.bus.createEvent(EventType.PORTFOLIO_UPDATE, options.portfolio, { source: 'portfolio' }),
        )
      }
    }
    await yieldToIo()
    // A reader that must keep up is given the time to read each batch (it shares this process's
    // event loop with the publisher, and a starved test process must not make it look slow).
    const keepUp = options.keepUp
    if (keepUp !== undefined) await waitFor(() => keepUp(published), 'the healthy client to read')
  }
  return published
}

describe('ws-server slow consumers', () => {
  it('conflates a client that stops reading, keeps its buffer bounded, and never slows the others', async () => {
    const softLimit = 64 * KIB
    const h = await startServer({ softLimit, hardLimit: 4 * softLimit, backpressureInterval: 10 })
    harness = h
    const healthy = await joined(h, ['prices'])
    const stalled = await joined(h, ['prices', 'portfolio'])
    stalled.ws.pause()

    await flood(h, () => h.server.stats().conflated > 5000, {
      portfolio: bigPortfolio(200),
      keepUp: (published) => prices(healthy) >= published,
    })

    const stats = h.server.stats()
    // Only the stalled client is ever held back (it may be between two flushes right now).
    expect(stats.laggingClients).toBeLessThanOrEqual(1)
    // Past the soft limit only a single write can add to a buffer (at most one portfolio frame).
    expect(stats.maxBufferedBytes).toBeLessThan(softLimit + 32 * KIB)
    expect(stats.bufferedBytes).toBeLessThan(softLimit + 32 * KIB)
    expect(stats.clients).toBe(2)

    // The healthy client saw every price, in order, while the stalled one was held back.
    publishPrice(h.bus, 'BTC', '99999.5')
    await waitFor(
      () => healthy.messages.some((m) => m.type === 'price_update' && data(m)['price'] === 99999.5),
      'the healthy client to get the last price',
    )
    const seqs = healthy.messages.filter(ofType('price_update')).map((m) => m['seq'] as number)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1))

    // Once it reads again, the stalled client catches up with the newest price per symbol.
    stalled.ws.resume()
    await waitFor(
      () => stalled.messages.some((m) => m.type === 'price_update' && data(m)['price'] === 99999.5),
      'the stalled client to catch up',
      20_000,
    )
    const stalledSeqs = stalled.messages
      .filter(ofType('price_update'))
      .map((m) => m['seq'] as number)
    const gaps = stalledSeqs.filter(
      (seq, index) => index > 0 && seq !== (stalledSeqs[index - 1] as number) + 1,
    )
    expect(gaps.length).toBeGreaterThan(0)
    expect([...stalledSeqs].sort((a, b) => a - b)).toEqual(stalledSeqs)
    await waitFor(() => h.server.stats().laggingClients === 0, 'the stalled client to drain')
    expect(stalled.isClosed).toBe(false)
  })

  it('closes a client stuck above the soft limit with 1013', async () => {
    const h = await startServer({
      softLimit: 32 * KIB,
      stuckTimeout: 300,
      backpressureInterval: 10,
      closeTimeout: 10_000,
    })
    harness = h
    const healthy = await joined(h, ['prices:BTC'])
    const stalled = await joined(h, ['prices', 'portfolio'])
    stalled.ws.pause()
    await flood(h, () => h.server.stats().closed.stuck === 1, {
      portfolio: bigPortfolio(100),
      // Every fifth update is BTC.
      keepUp: (published) => prices(healthy) >= Math.floor(published / SYMBOLS.length),
    })
    stalled.ws.resume()
    expect((await stalled.closed).code).toBe(1013)
    publishPrice(h.bus, 'BTC', '4242')
    await waitFor(
      () => healthy.messages.some((m) => m.type === 'price_update' && data(m)['price'] === 4242),
      'the healthy client to keep receiving',
    )
    expect(h.server.stats().clients).toBe(1)
  })

  it('closes a client above the hard limit for hardLimitGrace with 1013', async () => {
    const h = await startServer({
      softLimit: 16 * KIB,
      hardLimit: 32 * KIB,
      hardLimitGrace: 200,
      backpressureInterval: 10,
      closeTimeout: 10_000,
    })
    harness = h
    const stalled = await joined(h, ['portfolio'])
    stalled.ws.pause()
    // 600 holdings: one frame is larger than the hard limit.
    await flood(h, () => h.server.stats().closed.hard_limit === 1, {
      portfolio: bigPortfolio(600),
      limit: 50_000,
    })
    expect(h.server.stats().closed.stuck).toBe(0)
    stalled.ws.resume()
    expect((await stalled.closed).code).toBe(1013)
  })
})
