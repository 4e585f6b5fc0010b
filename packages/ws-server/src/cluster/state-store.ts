import { createEmitter, silentLogger, systemClock } from '@crypto-analyzer/core-events'
import type { Clock, Logger } from '@crypto-analyzer/core-events'
import { PortfolioError, stateDocuments } from '@crypto-analyzer/portfolio'
import type {
  AlertDefinition,
  HoldingRecord,
  StateDocument,
  StateStore,
  WatchOptions,
} from '@crypto-analyzer/portfolio'
import { Redis } from 'ioredis'
import { retryStrategy } from './redis.js'
import { STATE_CAS } from './scripts.js'
import { redisTarget, showRedisUrl } from './settings.js'

export interface RedisStateStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`. */
  readonly url: string
  /**
   * Key prefix (default `crypto-analyzer:`), the same as the service's `redisPrefix`: state
   * lives in `<prefix>state:holdings` and `<prefix>state:alerts`.
   */
  readonly prefix?: string | undefined
  readonly logger?: Logger | undefined
  readonly clock?: Clock | undefined
  /** Longest time an update retries while other writers keep changing the document, ms. Default 10000. */
  readonly updateTimeout?: number | undefined
}

/** A portfolio `StateStore` kept in Redis. */
export interface RedisStateStore extends StateStore {
  /** The Redis URL, any password hidden. */
  readonly home: string
  /** The Redis keys: `<prefix>state:holdings`, `<prefix>state:alerts`. */
  readonly paths: { readonly holdings: string; readonly alerts: string }
  /** Ends every watcher and closes the Redis connections (without waiting: see {@link quit}). */
  close(): void
  /** As {@link close}; resolves once pending updates finished and the connections are closed. */
  quit(): Promise<void>
}

type Kind = 'holdings' | 'alerts'
type Script = (...args: (string | number)[]) => Promise<unknown>

interface Watcher {
  readonly kind: Kind
  refresh(): void
  stop(): void
}

/**
 * Holdings and alerts in Redis instead of files: one JSON value per kind, the same document as
 * the files (`{"version":1,"<kind>":[...]}`, validated by portfolio's `stateDocuments`), under
 * the service's key prefix. Every update is an atomic compare-and-set (a Lua script), retried
 * when another process wrote in between, so concurrent CLIs and servers never lose each other's
 * writes. Each write publishes a notice on `<prefix>state:changed`; watchers re-read on a notice
 * and after every reconnect, without polling. A corrupt or newer-version value is reported with
 * its key and never overwritten.
 */
export function createRedisStateStore(options: RedisStateStoreOptions): RedisStateStore {
  const { redisUrl, prefix } = redisTarget({ redisUrl: options.url, redisPrefix: options.prefix })
  const logger = options.logger ?? silentLogger
  const clock = options.clock ?? systemClock
  const updateTimeout = options.updateTimeout ?? 10_000
  if (!Number.isSafeInteger(updateTimeout) || updateTimeout < 1) {
    throw new PortfolioError(
      'invalid-config',
      `updateTimeout must be a positive integer of ms (got ${String(updateTimeout)}), e.g. 10000`,
    )
  }
  const shown = showRedisUrl(redisUrl)
  const keys = { holdings: `${prefix}state:holdings`, alerts: `${prefix}state:alerts` }
  const channel = `${prefix}state:changed`
  const connection = {
    lazyConnect: true,
    connectTimeout: 3000,
    // A one-shot command (the CLI) fails within about a second when Redis is away; a long-lived
    // store goes on reconnecting, and its watchers re-read once it is back.
    maxRetriesPerRequest: 2,
    retryStrategy,
  }
  const onError =
    (role: string) =>
    (error: Error): void => {
      logger.debug({ err: error, role, url: shown }, 'saved state: redis connection error')
    }
  const cmd = new Redis(redisUrl, {
    ...connection,
    commandTimeout: 5000,
    connectionName: `${prefix}state`,
  })
  // ioredis fails a command with "max retries per request" while reconnecting: the connection's
  // own error (ECONNREFUSED, ENOTFOUND, NOAUTH, ...) says more.
  let connectionProblem: string | undefined
  cmd.on('error', (error: Error) => {
    connectionProblem = error.message
    onError('commands')(error)
  })
  cmd.on('ready', () => {
    connectionProblem = undefined
  })
  cmd.defineCommand('caStateCas', { numberOfKeys: 1, lua: STATE_CAS })
  const cas = ((cmd as unknown as Record<string, Script>)['caStateCas'] as Script).bind(cmd)
  let sub: Redis | undefined
  const watchers = new Set<Watcher>()
  const queues: Record<Kind, Promise<unknown>> = {
    holdings: Promise.resolve(),
    alerts: Promise.resolve(),
  }
  let closed = false

  const redisError = (error: unknown, key: string): PortfolioError => {
    if (error instanceof PortfolioError) return error
    const message = error instanceof Error ? error.message : String(error)
    if (message.startsWith('WRONGTYPE')) {
      return new PortfolioError(
        'corrupt-file',
        `${key} is corrupt (it is not a string value holding a JSON document); it was left untouched: fix or delete it`,
        { path: key, cause: error },
      )
    }
    const reason =
      cmd.status !== 'ready' && connectionProblem !== undefined ? connectionProblem : message
    return new PortfolioError(
      'io-error',
      `cannot use Redis at ${shown} for ${key} (${reason}); start Redis there, or point --redis-url / CRYPTO_ANALYZER_REDIS_URL at a running one`,
      { path: key, cause: error },
    )
  }

  const checkOpen = (): void => {
    if (closed) {
      throw new PortfolioError(
        'invalid-state',
        'this Redis state store is closed; create a new one',
      )
    }
  }

  const get = async (key: string): Promise<string | null> => {
    try {
      return await cmd.get(key)
    } catch (error) {
      throw redisError(error, key)
    }
  }

  const read = async <T>(document: StateDocument<T>): Promise<T[]> => {
    checkOpen()
    const key = keys[document.kind]
    const text = await get(key)
    return text === null ? [] : document.parse(text, key)
  }

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      clock.setTimeout(resolve, ms)
    })

  const update = <T>(
    document: StateDocument<T>,
    change: (current: T[]) => T[] | Promise<T[]>,
  ): Promise<T[]> => {
    const key = keys[document.kind]
    // This process's own updates queue, so they never race each other's compare-and-set.
    const run = queues[document.kind].then(async () => {
      checkOpen()
      const deadline = clock.now() + updateTimeout
      for (let attempt = 0; ; attempt++) {
        const text = await get(key)
        const current = text === null ? [] : document.parse(text, key)
        const next = document.normalize(
          await change(current.map((item) => ({ ...item }))),
          clock.now(),
        )
        const written = document.serialize(next)
        if (written === document.serialize(current)) return next
        let result: unknown
        try {
          result = await cas(
            key,
            text === null ? '0' : '1',
            text ?? '',
            written,
            channel,
            document.kind,
          )
        } catch (error) {
          throw redisError(error, key)
        }
        if (result === 1) return next
        if (clock.now() >= deadline) {
          throw new PortfolioError(
            'lock-timeout',
            `${key} kept changing under other writers for ${updateTimeout} ms; try again`,
            { path: key },
          )
        }
        await sleep(Math.floor(Math.random() * Math.min(5 * 2 ** Math.min(attempt, 6), 200)))
      }
    })
    queues[document.kind] = run.catch(() => undefined)
    return run
  }

  let subscribed: Promise<void> | undefined
  const subscribe = (): Promise<void> => {
    if (sub === undefined) {
      const client = new Redis(redisUrl, {
        ...connection,
        connectionName: `${prefix}state-watch`,
      })
      sub = client
      client.on('error', onError('watch'))
      client.on('message', (from: string, kind: string) => {
        if (from !== channel) return
        for (const watcher of watchers) if (watcher.kind === kind) watcher.refresh()
      })
      let connections = 0
      client.on('ready', () => {
        connections++
        if (connections === 1) return
        // Notices sent while the connection was down are lost: re-read everything.
        logger.debug({ url: shown }, 'saved state: redis is back; re-reading the watched state')
        for (const watcher of watchers) watcher.refresh()
      })
      subscribed = client.subscribe(channel).then(
        () => undefined,
        (error: unknown) => {
          // ioredis subscribes again once it reconnects; the watchers re-read then.
          logger.debug({ err: error, url: shown }, 'saved state: cannot subscribe yet')
        },
      )
    }
    return subscribed ?? Promise.resolve()
  }

  const watch = <T>(
    document: StateDocument<T>,
    handler: (items: T[]) => void,
    watchOptions: WatchOptions = {},
  ): (() => void) => {
    checkOpen()
    const key = keys[document.kind]
    let primed = watchOptions.emitInitial !== false
    let lastItems: string | undefined
    let lastProblem: string | undefined
    let busy = false
    let again = false
    let active = true
    // A failing handler or error handler never stops the watcher: the emitters isolate them.
    const changes = createEmitter<T[]>({
      onError: (error) => {
        logger.error({ err: error, key }, 'saved state: a watcher failed on new state')
      },
    })
    changes.on(handler)
    const errors = createEmitter<PortfolioError>()
    if (watchOptions.onError !== undefined) errors.on(watchOptions.onError)

    const once = async (): Promise<void> => {
      let text: string | null
      try {
        text = await get(key)
      } catch (error) {
        report(redisError(error, key), `io:${(error as Error).message}`)
        return
      }
      let items: T[]
      try {
        items = text === null ? [] : document.parse(text, key)
      } catch (error) {
        report(redisError(error, key), `document:${text ?? ''}`)
        return
      }
      lastProblem = undefined
      const seen = JSON.stringify(items)
      if (!primed) {
        primed = true
        lastItems = seen
        return
      }
      if (seen === lastItems || !active) return
      lastItems = seen
      changes.emit(items)
    }
    const report = (error: PortfolioError, problem: string): void => {
      // Once per bad value (or per kind of outage), as the file watchers do per bad file.
      if (problem === lastProblem || !active) return
      lastProblem = problem
      logger.warn({ err: error, key }, 'saved state could not be reloaded')
      errors.emit(error)
    }
    const rerun = (): boolean => again && active
    const refresh = (): void => {
      if (!active) return
      if (busy) {
        again = true
        return
      }
      busy = true
      void (async () => {
        try {
          do {
            again = false
            await once()
          } while (rerun())
        } finally {
          busy = false
        }
      })()
    }
    const stop = (): void => {
      active = false
      watchers.delete(watcher)
      changes.complete()
      errors.complete()
    }
    const watcher: Watcher = { kind: document.kind, refresh, stop }
    watchers.add(watcher)
    void subscribe().then(refresh)
    return stop
  }

  const quit = async (client: Redis): Promise<void> => {
    if (client.status !== 'ready') {
      client.disconnect()
      return
    }
    await client.quit().catch(() => {
      client.disconnect()
    })
  }

  let closing: Promise<void> | undefined
  const shutdown = (): Promise<void> => {
    closed = true
    for (const watcher of [...watchers]) watcher.stop()
    closing ??= (async () => {
      await Promise.allSettled([queues.holdings, queues.alerts])
      await Promise.all([quit(cmd), sub === undefined ? Promise.resolve() : quit(sub)])
    })()
    return closing
  }

  return {
    home: shown,
    paths: keys,
    readHoldings: () => read<HoldingRecord>(stateDocuments.holdings),
    updateHoldings: (change) => update<HoldingRecord>(stateDocuments.holdings, change),
    readAlerts: () => read<AlertDefinition>(stateDocuments.alerts),
    updateAlerts: (change) => update<AlertDefinition>(stateDocuments.alerts, change),
    watchAlerts: (handler, watchOptions) => watch(stateDocuments.alerts, handler, watchOptions),
    watchHoldings: (handler, watchOptions) => watch(stateDocuments.holdings, handler, watchOptions),
    close() {
      void shutdown()
    },
    quit: shutdown,
  }
}
