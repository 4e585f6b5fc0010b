import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { connect } from './test-support/client.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = fileURLToPath(new URL('../bin/fake-exchanges.mjs', import.meta.url))

beforeAll(() => {
  // The CLI runs the built package; `pnpm test` builds first, a bare `vitest` may not have.
  if (!existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)))) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: root,
    })
  }
})

function run(args: string[]): {
  url: Promise<string>
  exit: Promise<number | null>
  stop: () => void
  stderr: () => string
} {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const lines = createInterface({ input: child.stdout })
  const url = new Promise<string>((resolve) => lines.once('line', resolve))
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { url, exit, stop: () => child.kill('SIGTERM'), stderr: () => stderr }
}

describe('fake-exchanges CLI', () => {
  it('starts a Binance fake, prints its URL and stops cleanly on SIGTERM', async () => {
    const cli = run(['binance', '--port', '0', '--tick-interval', '20', '--seed', '3'])
    const url = await cli.url
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/)
    const c = await connect(url)
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@ticker'], id: 1 })
    expect((await c.next((f) => f['e'] === '24hrTicker'))['s']).toBe('BTCUSDT')
    cli.stop()
    expect(await cli.exit).toBe(0)
    await c.closed
  })

  it('starts a Coinbase fake', async () => {
    const cli = run(['coinbase', '--tick-interval', '20'])
    const url = await cli.url
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    const c = await connect(url)
    c.send({ type: 'subscribe', product_ids: ['ETH-USD'], channels: ['ticker'] })
    expect((await c.next((f) => f['type'] === 'ticker'))['product_id']).toBe('ETH-USD')
    cli.stop()
    expect(await cli.exit).toBe(0)
  })

  it('exits 2 with the usage on a bad exchange or flag', async () => {
    const bad = run(['nasdaq'])
    expect(await bad.exit).toBe(2)
    expect(bad.stderr()).toMatch(
      /unknown exchange "nasdaq"[\s\S]*usage: fake-exchanges binance\|coinbase \[--port N\]/,
    )
    const flag = run(['binance', '--port', 'abc'])
    expect(await flag.exit).toBe(2)
    expect(flag.stderr()).toMatch(/bad argument "--port" abc/)
  })
})
