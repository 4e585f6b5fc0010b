import { mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createEmitter, silentLogger, systemClock } from '@crypto-analyzer/core-events'
import type { Clock, Logger } from '@crypto-analyzer/core-events'
import type { AlertDefinition } from './alerts.js'
import { PortfolioError } from './errors.js'
import { watchFile } from './internal/file-watcher.js'
import { isErrno, removeOrphans, writeAtomic } from './internal/files.js'
import { toInteger } from './internal/input.js'
import { acquireLock, releaseLock, stillHeld } from './internal/lock.js'
import { stateDocuments } from './state-documents.js'
import type { HoldingRecord, StateDocument } from './state-documents.js'

export interface StateStoreOptions {
  /** The state directory (the apps take it from `stateHome(process.env)` of `@crypto-analyzer/config`). Required. */
  readonly home: string
  readonly clock?: Clock | undefined
  readonly logger?: Logger | undefined
  /** Longest wait for another process's lock, ms. Default 10000. */
  readonly lockTimeout?: number | undefined
  /** A lock file older than this (ms) is taken over even if its process seems alive. Default 30000. */
  readonly staleLockAfter?: number | undefined
  /** How often watchers look at the files, ms (at most 1000). Default 500. */
  readonly pollInterval?: number | undefined
}

export interface WatchOptions {
  /** Called once per change of the file that cannot be read (corrupt, newer version, I/O). */
  readonly onError?: ((error: PortfolioError) => void) | undefined
  /** Deliver the current content at once (asynchronously). Default true. */
  readonly emitInitial?: boolean | undefined
}

export interface StateStore {
  /** The state directory (another store, such as ws-server's Redis store: where it keeps state). */
  readonly home: string
  /** Where each kind is kept: the file paths (another store: e.g. its Redis key names). */
  readonly paths: { readonly holdings: string; readonly alerts: string }
  /** The saved holdings; `[]` when there is no file yet. Throws `corrupt-file` / `unsupported-version`. */
  readHoldings(): Promise<HoldingRecord[]>
  /**
   * Read-modify-write under the file lock: `change` gets the current holdings and returns the
   * new list, which is validated, normalized and written atomically. Returns what was written.
   */
  updateHoldings(
    change: (current: HoldingRecord[]) => HoldingRecord[] | Promise<HoldingRecord[]>,
  ): Promise<HoldingRecord[]>
  readAlerts(): Promise<AlertDefinition[]>
  /** As {@link updateHoldings}; alerts without an `id` get a fresh one, without `createdAt` now. */
  updateAlerts(
    change: (current: AlertDefinition[]) => AlertDefinition[] | Promise<AlertDefinition[]>,
  ): Promise<AlertDefinition[]>
  /** Calls `handler` with the alerts whenever another writer (or this one) changed them. Returns unwatch. */
  watchAlerts(handler: (alerts: AlertDefinition[]) => void, options?: WatchOptions): () => void
  watchHoldings(handler: (holdings: HoldingRecord[]) => void, options?: WatchOptions): () => void
  /** Ends every watcher. */
  close(): void
}

interface KindSpec<T> {
  readonly path: string
  readonly document: StateDocument<T>
}

/**
 * Creates the saved-state store: `holdings.json` and `alerts.json` in `home`, each
 * `{"version":1,"<kind>":[...]}`. Writes are atomic (temp file, fsync, rename, fsync dir) and
 * every read-modify-write runs under an exclusive lock file (`<file>.lock`), so concurrent
 * processes never lose each other's changes. A corrupt or newer-version file is reported with
 * its path and never overwritten.
 */
export function createStateStore(options: StateStoreOptions): StateStore {
  const given = (options as Partial<StateStoreOptions> | undefined)?.home
  if (typeof given !== 'string' || given.trim() === '') {
    throw new PortfolioError(
      'invalid-config',
      "home (the state directory) is required; e.g. createStateStore({ home: '/var/lib/crypto-analyzer' })",
    )
  }
  const home = resolve(given)
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const lockTimeout = toInteger(options.lockTimeout, 10_000, 'lockTimeout', 1)
  const staleLockAfter = toInteger(options.staleLockAfter, 30_000, 'staleLockAfter', 1)
  const pollInterval = toInteger(options.pollInterval, 500, 'pollInterval', 1)
  if (pollInterval > 1000) {
    throw new PortfolioError(
      'invalid-config',
      `pollInterval must be at most 1000 ms (got ${pollInterval}); e.g. pollInterval: 500`,
    )
  }
  const paths = { holdings: join(home, 'holdings.json'), alerts: join(home, 'alerts.json') }
  const queues: Record<StateDocument<unknown>['kind'], Promise<unknown>> = {
    holdings: Promise.resolve(),
    alerts: Promise.resolve(),
  }
  const closing = createEmitter<undefined>()

  const holdingsSpec: KindSpec<HoldingRecord> = {
    path: paths.holdings,
    document: stateDocuments.holdings,
  }
  const alertsSpec: KindSpec<AlertDefinition> = {
    path: paths.alerts,
    document: stateDocuments.alerts,
  }

  const read = async <T>(spec: KindSpec<T>): Promise<T[]> => {
    let text: string
    try {
      text = await readFile(spec.path, 'utf8')
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return []
      throw new PortfolioError(
        'io-error',
        `cannot read ${spec.path}: ${(error as Error).message}`,
        {
          path: spec.path,
          cause: error,
        },
      )
    }
    return spec.document.parse(text, spec.path)
  }

  const serialize = <T>(spec: KindSpec<T>, items: readonly T[]): string =>
    spec.document.serialize(items)

  const update = <T>(
    spec: KindSpec<T>,
    change: (current: T[]) => T[] | Promise<T[]>,
  ): Promise<T[]> => {
    // One process's own updates queue here, so they never wait on each other's lock file.
    const run = queues[spec.document.kind].then(async () => {
      try {
        await mkdir(home, { recursive: true, mode: 0o700 })
      } catch (error) {
        throw new PortfolioError('io-error', `cannot create ${home}: ${(error as Error).message}`, {
          path: home,
          cause: error,
        })
      }
      const lockPath = `${spec.path}.lock`
      for (;;) {
        const lock = await acquireLock(lockPath, {
          clock,
          logger,
          timeout: lockTimeout,
          staleAfter: staleLockAfter,
        })
        try {
          await removeOrphans(spec.path)
          const current = await read(spec)
          const next = spec.document.normalize(
            await change(current.map((item) => ({ ...item }))),
            clock.now(),
          )
          if (serialize(spec, next) === serialize(spec, current)) return next
          // A hung holder's lock taken over by someone else: start again rather than overwrite.
          if (!(await stillHeld(lock))) continue
          try {
            await writeAtomic(spec.path, serialize(spec, next))
          } catch (error) {
            throw new PortfolioError(
              'io-error',
              `cannot write ${spec.path}: ${(error as Error).message}`,
              {
                path: spec.path,
                cause: error,
              },
            )
          }
          return next
        } finally {
          await releaseLock(lock)
        }
      }
    })
    queues[spec.document.kind] = run.catch(() => undefined)
    return run
  }

  const watch = <T>(
    spec: KindSpec<T>,
    handler: (items: T[]) => void,
    watchOptions: WatchOptions = {},
  ): (() => void) => {
    const stop = watchFile({
      path: spec.path,
      read: () => read(spec),
      clock,
      logger,
      pollInterval,
      emitInitial: watchOptions.emitInitial !== false,
      onChange: handler,
      onError: watchOptions.onError,
    })
    const unwatch = (): void => {
      off()
      stop()
    }
    const off = closing.on(unwatch)
    return unwatch
  }

  return {
    home,
    paths,
    readHoldings: () => read(holdingsSpec),
    updateHoldings: (change) => update(holdingsSpec, change),
    readAlerts: () => read(alertsSpec),
    updateAlerts: (change) => update(alertsSpec, change),
    watchAlerts: (handler, watchOptions) => watch(alertsSpec, handler, watchOptions),
    watchHoldings: (handler, watchOptions) => watch(holdingsSpec, handler, watchOptions),
    close() {
      closing.emit(undefined)
    },
  }
}
