import type { Logger } from '@crypto-analyzer/core-events'
import { createStateStore, resolveHome } from '@crypto-analyzer/portfolio'
import type { StateStore } from '@crypto-analyzer/portfolio'
import { Flags } from '@oclif/core'
import type { Interfaces } from '@oclif/core'

/** `--redis-url` (env CRYPTO_ANALYZER_REDIS_URL), described for the command that takes it. */
export const redisUrlFlag = (
  description = 'Keep holdings and alerts in this Redis (shared with servers started with the same URL) instead of files in $CRYPTO_ANALYZER_HOME.',
): Interfaces.OptionFlag<string | undefined> =>
  Flags.string({ env: 'CRYPTO_ANALYZER_REDIS_URL', description, helpValue: '<url>' })

/** `--redis-prefix`: the same key prefix as the server's. */
export const redisPrefixFlag = Flags.string({
  env: 'CRYPTO_ANALYZER_REDIS_PREFIX',
  description: 'Key prefix in Redis, the same as the server’s [default: crypto-analyzer:].',
  helpValue: '<prefix>',
})

/** The flags of every command that reads or writes saved state. */
export const stateFlags = {
  'redis-url': redisUrlFlag(),
  'redis-prefix': redisPrefixFlag,
}

export interface StateFlags {
  readonly 'redis-url'?: string | undefined
  readonly 'redis-prefix'?: string | undefined
}

export interface OpenedStateStore {
  readonly store: StateStore
  /** Where a kind lives, for messages: the file path, or `Redis key <key> at <url>`. */
  readonly where: (kind: 'holdings' | 'alerts') => string
  /** Ends the store (with Redis: closes the connections, so the command can exit). */
  readonly close: () => Promise<void>
}

/** $CRYPTO_ANALYZER_HOME, else the XDG default: the CLI reads env, the libraries never do. */
export const stateHome = (): string => resolveHome(process.env)

const given = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim()

/**
 * The saved-state store of a command: files in $CRYPTO_ANALYZER_HOME, or Redis when
 * `--redis-url` / CRYPTO_ANALYZER_REDIS_URL is set (the server's Redis store, loaded only then).
 */
export async function openStateStore(flags: StateFlags, logger: Logger): Promise<OpenedStateStore> {
  const url = given(flags['redis-url'])
  if (url === undefined) {
    const store = createStateStore({ home: stateHome(), logger })
    return {
      store,
      where: (kind) => store.paths[kind],
      close: () => {
        store.close()
        return Promise.resolve()
      },
    }
  }
  const { createRedisStateStore } = await import('@crypto-analyzer/ws-server')
  const store = createRedisStateStore({ url, prefix: given(flags['redis-prefix']), logger })
  return {
    store,
    where: (kind) => `Redis key ${store.paths[kind]} at ${store.home}`,
    close: () => store.quit(),
  }
}
