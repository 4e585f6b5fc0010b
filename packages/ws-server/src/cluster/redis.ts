import { Redis } from 'ioredis'

/** The wait before retry `attempt` (from 1) with Redis: 200 ms doubling to 2 s. */
export const backoff = (attempt: number): number => Math.min(100 * 2 ** Math.min(attempt, 5), 2000)

/** ioredis's reconnect delay: {@link backoff} with up to 100 ms of jitter. */
export const retryStrategy = (times: number): number =>
  backoff(times) + Math.floor(Math.random() * 100)

/** A Lua script bound to a connection: `(numberOfKeys, ...keys, ...args)`. */
export type Script = (...args: (string | number)[]) => Promise<unknown>

/**
 * A connection of a cluster node. Commands fail fast while Redis is away (the caller counts and
 * goes on) and the connection comes back with backoff (100 ms doubling to 2 s, with jitter).
 */
export function connectRedis(
  url: string,
  name: string,
  commandTimeout: number,
  onError: (error: Error) => void,
): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    // A command in flight when the connection drops fails (never waits for a reconnect).
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    retryStrategy,
    connectionName: name.replace(/[^\w:.-]/g, '_'),
    commandTimeout,
  })
  client.on('error', onError)
  return client
}

/** Defines a Lua script on a connection (EVALSHA, loaded once). */
export function defineScript(client: Redis, name: string, lua: string): Script {
  client.defineCommand(name, { lua })
  const script = (client as unknown as Record<string, Script>)[name] as Script
  return script.bind(client)
}
