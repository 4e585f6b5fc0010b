import { mkdir, readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { formatDecimal, silentLogger, systemClock } from '@crypto-analyzer/core-events'
import type { Clock, Logger, TimerHandle } from '@crypto-analyzer/core-events'
import type { AlertDefinition } from './alerts.js'
import { createAlertId } from './alerts.js'
import { parseAlertCondition } from './condition.js'
import { PortfolioError } from './errors.js'
import { isErrno, removeOrphans, writeAtomic } from './internal/files.js'
import { toDecimal, toInteger, toSymbol } from './internal/input.js'
import { acquireLock, releaseLock, stillHeld } from './internal/lock.js'

/** The schema version this package reads and writes. */
export const STATE_VERSION = 1

/** A saved holding; decimals are kept as exact text. */
export interface HoldingRecord {
  readonly symbol: string
  readonly amount: string
  readonly costBasis?: string
}

export interface StateStoreOptions {
  /** The state directory. Default {@link resolveHome}() (env `CRYPTO_ANALYZER_HOME`, ...). */
  readonly home?: string | undefined
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

/**
 * The state directory: `CRYPTO_ANALYZER_HOME`, else `$XDG_CONFIG_HOME/crypto-analyzer`, else
 * `~/.config/crypto-analyzer`. Relative values are resolved against the working directory
 * (`XDG_CONFIG_HOME` is ignored unless absolute, as the XDG spec says).
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['CRYPTO_ANALYZER_HOME']
  if (home !== undefined && home.trim() !== '') return resolve(home)
  const xdg = env['XDG_CONFIG_HOME']
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'crypto-analyzer')
  return join(homedir(), '.config', 'crypto-analyzer')
}

type Kind = 'holdings' | 'alerts'

const corrupt = (path: string, problem: string, cause?: unknown): PortfolioError =>
  new PortfolioError(
    'corrupt-file',
    `${path} is corrupt (${problem}); it was left untouched: fix or move it aside`,
    { path, ...(cause === undefined ? {} : { cause }) },
  )

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function checkHolding(value: unknown, where: string): HoldingRecord {
  if (!isRecord(value)) throw new PortfolioError('invalid-input', `${where} must be an object`)
  const symbol = toSymbol(value['symbol'])
  const amount = formatDecimal(toDecimal(value['amount'], `${where}.amount`, 'positive', '"0.5"'))
  const cost = value['costBasis']
  if (cost === undefined || cost === null) return { symbol, amount }
  const costBasis = formatDecimal(toDecimal(cost, `${where}.costBasis`, 'non-negative', '"42000"'))
  return { symbol, amount, costBasis }
}

function checkAlert(
  value: unknown,
  where: string,
  fill: { taken: Set<string>; now: number } | undefined,
): AlertDefinition {
  if (!isRecord(value)) throw new PortfolioError('invalid-input', `${where} must be an object`)
  let id = value['id']
  if (id === undefined && fill !== undefined) {
    let fresh = createAlertId()
    while (fill.taken.has(fresh)) fresh = createAlertId()
    id = fresh
  }
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new PortfolioError(
      'invalid-input',
      `${where}.id must be 1 to 64 letters, digits, "_" or "-"`,
    )
  }
  const symbol = toSymbol(value['symbol'])
  const condition = value['condition']
  if (typeof condition !== 'string') {
    throw new PortfolioError(
      'invalid-input',
      `${where}.condition must be text like "price > 50000"`,
    )
  }
  const text = parseAlertCondition(condition).text
  const message = value['message']
  if (message !== undefined && typeof message !== 'string') {
    throw new PortfolioError('invalid-input', `${where}.message must be text`)
  }
  const cooldown =
    value['cooldown'] === undefined ? 0 : toInteger(value['cooldown'], 0, `${where}.cooldown`)
  const createdAt = value['createdAt'] ?? fill?.now
  if (createdAt !== undefined && (typeof createdAt !== 'number' || !Number.isFinite(createdAt))) {
    throw new PortfolioError('invalid-input', `${where}.createdAt must be epoch milliseconds`)
  }
  return {
    id,
    symbol,
    condition: text,
    ...(message === undefined ? {} : { message }),
    ...(cooldown === 0 ? {} : { cooldown }),
    ...(createdAt === undefined ? {} : { createdAt }),
  }
}

/** Validates a whole list; duplicates (symbol for holdings, id for alerts) are refused. */
function checkList<T>(
  kind: Kind,
  items: unknown,
  check: (value: unknown, where: string) => T,
  key: (item: T) => string,
): T[] {
  if (!Array.isArray(items)) throw new PortfolioError('invalid-input', `${kind} must be a list`)
  const seen = new Set<string>()
  return items.map((item: unknown, index) => {
    const where = `${kind}[${index}]`
    const checked = check(item, where)
    const k = key(checked)
    if (seen.has(k)) {
      throw new PortfolioError(
        'invalid-input',
        `${where} repeats ${JSON.stringify(k)}; each must appear once`,
      )
    }
    seen.add(k)
    return checked
  })
}

/** A saved-state document: how one kind (holdings or alerts) is read, validated and written. */
export interface StateDocument<T> {
  /** `holdings` or `alerts`: the list's field in the document (and the file's base name). */
  readonly kind: 'holdings' | 'alerts'
  /**
   * Reads a stored document `{"version":1,"<kind>":[...]}`. `source` (a file path, a Redis key)
   * names it in errors: `corrupt-file` or `unsupported-version`, with `path` set to `source`.
   */
  parse(text: string, source: string): T[]
  /**
   * Validates and normalizes a list about to be stored (throws `invalid-input`): upper-case
   * symbols, exact decimal text, normalized conditions, no duplicates; alerts without an `id` get
   * a fresh one and without `createdAt` get `now`.
   */
  normalize(items: unknown, now: number): T[]
  /** The document text of a normalized list (what {@link parse} reads back). */
  serialize(items: readonly T[]): string
}

const makeDocument = <T>(
  kind: Kind,
  check: (items: unknown, fill: { now: number } | undefined) => T[],
): StateDocument<T> => ({
  kind,
  parse(text, source) {
    let document: unknown
    try {
      document = JSON.parse(text)
    } catch (error) {
      throw corrupt(source, `not valid JSON: ${(error as Error).message}`, error)
    }
    if (!isRecord(document)) throw corrupt(source, 'not a JSON object')
    const version = document['version']
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      throw corrupt(source, 'no valid "version" field')
    }
    if (version > STATE_VERSION) {
      throw new PortfolioError(
        'unsupported-version',
        `${source} has version ${version}, written by a newer crypto-analyzer (this one reads ` +
          `version ${STATE_VERSION}); it was left untouched: upgrade crypto-analyzer`,
        { path: source },
      )
    }
    try {
      return check(document[kind], undefined)
    } catch (error) {
      throw corrupt(source, (error as Error).message, error)
    }
  },
  normalize: (items, now) => check(items, { now }),
  serialize: (items) => `${JSON.stringify({ version: STATE_VERSION, [kind]: items }, null, 2)}\n`,
})

/**
 * The two saved-state documents, shared by the file store and other stores (ws-server's Redis
 * store), so every store reads and writes exactly the same shape with the same rules.
 */
export const stateDocuments: {
  readonly holdings: StateDocument<HoldingRecord>
  readonly alerts: StateDocument<AlertDefinition>
} = {
  holdings: makeDocument('holdings', (items) =>
    checkList('holdings', items, checkHolding, (h) => h.symbol),
  ),
  alerts: makeDocument('alerts', (items, fill) => {
    const taken = new Set<string>()
    if (fill !== undefined && Array.isArray(items)) {
      for (const item of items as unknown[]) {
        if (isRecord(item) && typeof item['id'] === 'string') taken.add(item['id'])
      }
    }
    const context = fill === undefined ? undefined : { taken, now: fill.now }
    return checkList(
      'alerts',
      items,
      (value, where) => {
        const alert = checkAlert(value, where, context)
        taken.add(alert.id ?? '')
        return alert
      },
      (a) => a.id ?? '',
    )
  }),
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
export function createStateStore(options: StateStoreOptions = {}): StateStore {
  const home = resolve(options.home ?? resolveHome())
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
  const queues: Record<Kind, Promise<unknown>> = {
    holdings: Promise.resolve(),
    alerts: Promise.resolve(),
  }
  const watchers = new Set<() => void>()

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
    let lastKey: string | undefined
    let lastText: string | undefined
    let busy = false
    const state = { active: true }
    const isActive = (): boolean => state.active
    const tick = async (): Promise<void> => {
      if (busy || !state.active) return
      busy = true
      try {
        let key = 'missing'
        try {
          const s = await stat(spec.path, { bigint: true })
          key = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`
        } catch (error) {
          if (!isErrno(error, 'ENOENT')) throw error
        }
        if (key === lastKey) return
        lastKey = key
        const items = await read(spec)
        const text = JSON.stringify(items)
        if (text === lastText || !isActive()) return
        lastText = text
        handler(items)
      } catch (error) {
        const reported =
          error instanceof PortfolioError
            ? error
            : new PortfolioError(
                'io-error',
                `watching ${spec.path} failed: ${(error as Error).message}`,
                {
                  path: spec.path,
                  cause: error,
                },
              )
        logger.warn({ err: reported, path: spec.path }, 'saved state could not be reloaded')
        try {
          watchOptions.onError?.(reported)
        } catch {
          // A failing error handler must not stop the watcher.
        }
      } finally {
        busy = false
      }
    }
    const timer: TimerHandle = clock.setInterval(() => {
      void tick()
    }, pollInterval)
    if (watchOptions.emitInitial !== false) {
      void tick()
    } else {
      // Start from the current file, so only later changes are delivered.
      busy = true
      void (async () => {
        try {
          const s = await stat(spec.path, { bigint: true })
          lastKey = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`
          lastText = JSON.stringify(await read(spec))
        } catch {
          lastKey = undefined
        } finally {
          busy = false
        }
      })()
    }
    const unwatch = (): void => {
      if (!state.active) return
      state.active = false
      clock.clearInterval(timer)
      watchers.delete(unwatch)
    }
    watchers.add(unwatch)
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
      for (const unwatch of [...watchers]) unwatch()
    },
  }
}
