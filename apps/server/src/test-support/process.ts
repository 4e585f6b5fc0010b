import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url))

export interface ServerProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** A port that was free a moment ago (for tests that restart a server on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve()
    }),
  )
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Runs `node dist/main.js` with the given environment and waits for its "listening" log line. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '', CRYPTO_ANALYZER_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal })
    })
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`server did not start:\n${stderr}`))
    }, 15_000)
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      const match = /listening on (http:\/\/[^\s"]+)/.exec(stderr)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    void exited.then(({ code }) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${String(code)} before listening:\n${stderr}`))
    })
  })
  return { child, url, stderr: () => stderr, exited }
}
