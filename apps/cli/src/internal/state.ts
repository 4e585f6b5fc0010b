import { stateHome as homeOf, variableOf } from '@crypto-analyzer/config'
import { resolve } from 'node:path'
import type { Logger } from '@crypto-analyzer/core-events'
import { createStateStore } from '@crypto-analyzer/portfolio'
import type { StateStore } from '@crypto-analyzer/portfolio'
import { Flags } from '@oclif/core'
import type { Interfaces } from '@oclif/core'

/** `--redis-url` (env CRYPTO_ANALYZER_REDIS_URL), described for the command that takes it. */
export const redisUrlFlag = (
  description = 'Keep holdings and alerts in this Redis (shared with servers started with the same URL) instead of files in $CRYPTO_ANALYZER_HOME.',
): Interfaces.OptionFlag<string | undefined> =>
  Flags.string({ env: variableOf('redis-url'), description, helpValue: '<url>' })

/** `--redis-prefix`: the same key prefix as the server's. */
export const redisPrefixFlag = Flags.string({
  env: variableOf('redis-prefix'),
  description: 'Key prefix in Redis, the same as the server’s [default: crypto-analyzer:].',
  helpValue: '<prefix>',
})

/** `--home`: the saved-state directory (env CRYPTO_ANALYZER_HOME). */
export const homeFlag = Flags.string({
  env: variableOf('home'),
  description:
    'Directory of the saved holdings and alerts [default: $XDG_CONFIG_HOME/crypto-analyzer, else ~/.config/crypto-analyzer].',
  helpValue: '<dir>',
})

/** The flags of every command that reads or writes saved state. */
export const stateFlags = {
  home: homeFlag,
  'redis-url': redisUrlFlag(),
  'redis-prefix': redisPrefixFlag,
}

export interface StateFlags {
  readonly home?: string | undefined
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

/** `--home` (or CRYPTO_ANALYZER_HOME), else the XDG default: the CLI reads env, the libraries never do. */
export const stateHome = (home: string | undefined): string =>
  home === undefined || home.trim() === '' ? homeOf(process.env) : resolve(home.trim())

const given = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim()

/**
 * The saved-state store of a command: files in `--home`, or Redis when
 * `--redis-url` / CRYPTO_ANALYZER_REDIS_URL is set (the server's Redis store, loaded only then).
 */
export async function openStateStore(flags: StateFlags, logger: Logger): Promise<OpenedStateStore> {
  const url = given(flags['redis-url'])
  if (url === undefined) {
    const store = createStateStore({ home: stateHome(flags.home), logger })
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
