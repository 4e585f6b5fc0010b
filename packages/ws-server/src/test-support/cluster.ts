import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, connect as tcpConnect } from 'node:net'
import type { Server, Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'
const NODE_SCRIPT = fileURLToPath(new URL('./cluster-node.mjs', import.meta.url))
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

/** Whether Redis answers PING within a second. */
export async function redisAvailable(url = REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    await redis.ping()
    return true
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/** A key prefix of its own for one test, so tests (and parallel runs) never see each other. */
export const uniquePrefix = (): string =>
  `ca-test-${process.pid}-${randomBytes(4).toString('hex')}:`

/** Deletes every key of a prefix. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await redis.del(...keys)
  } while (cursor !== '0')
}

/** Cuts every Redis connection of a prefix's nodes (what a Redis restart does to clients). */
export async function killConnections(redis: Redis, prefix: string): Promise<number> {
  const list = (await redis.client('LIST')) as string
  let killed = 0
  for (const line of list.split('\n')) {
    const id = /(?:^| )id=(\d+)/.exec(line)?.[1]
    const name = / name=(\S*)/.exec(line)?.[1] ?? ''
    if (id !== undefined && name.startsWith(prefix)) {
      killed += Number(await redis.client('KILL', 'ID', id))
    }
  }
  return killed
}

export interface NodeProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly wsUrl: string
  readonly output: () => string
  readonly exited: Promise<number | null>
  status(): Promise<Record<string, unknown> & { cluster: ClusterDoc }>
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>
}

export interface ClusterDoc {
  node_id: string
  leader: boolean
  leader_id: string | null
  nodes: string[]
  redis: string
  duplicate_alerts_suppressed: number
}

/** Starts `startService` from the built package in a child process with these variables. */
export async function startNode(env: Record<string, string>): Promise<NodeProcess> {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run the build first`)
  const child = spawn(process.execPath, [NODE_SCRIPT], {
    env: {
      PATH: process.env['PATH'] ?? '',
      CRYPTO_ANALYZER_PORT: '0',
      CRYPTO_ANALYZER_REDIS_URL: REDIS_URL,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code)
    })
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`node did not start:\n${output}`))
    }, 20_000)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`node exited with ${String(code)} before listening:\n${output}`))
    })
  })
  return {
    child,
    url,
    wsUrl: `${url.replace('http', 'ws')}/ws`,
    output: () => output,
    exited,
    async status() {
      const response = await fetch(`${url}/status`)
      return (await response.json()) as Record<string, unknown> & { cluster: ClusterDoc }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

export interface RedisProxy {
  readonly url: string
  /** Closes the listener and cuts every connection (Redis "down"). */
  stop(): Promise<void>
  /** Listens again on the same port (Redis "back"). */
  restart(): Promise<void>
}

/** A TCP proxy in front of Redis that a test can take down and bring back on the same port. */
export async function startRedisProxy(target: string): Promise<RedisProxy> {
  const { hostname, port } = new URL(target)
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let listenPort = 0
  const listen = async (): Promise<void> => {
    const next = createServer((socket) => {
      const upstream = tcpConnect(Number(port || 6379), hostname)
      sockets.add(socket).add(upstream)
      const cut = (): void => {
        socket.destroy()
        upstream.destroy()
        sockets.delete(socket)
        sockets.delete(upstream)
      }
      socket.on('error', cut).on('close', cut)
      upstream.on('error', cut).on('close', cut)
      socket.pipe(upstream).pipe(socket)
    })
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject)
      next.listen(listenPort, '127.0.0.1', () => {
        resolve()
      })
    })
    const address = next.address()
    if (address !== null && typeof address === 'object') listenPort = address.port
    server = next
  }
  await listen()
  return {
    url: `redis://127.0.0.1:${listenPort}`,
    async stop() {
      const current = server
      server = undefined
      for (const socket of sockets) socket.destroy()
      sockets.clear()
      if (current !== undefined) {
        await new Promise<void>((resolve) => {
          current.close(() => {
            resolve()
          })
        })
      }
    },
    restart: listen,
  }
}
