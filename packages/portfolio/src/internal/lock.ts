import { hostname } from 'node:os'
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import type { Clock, Logger } from '@crypto-analyzer/core-events'
import { PortfolioError } from '../errors.js'
import { isErrno, randomHex } from './files.js'

export interface LockOptions {
  readonly clock: Clock
  readonly logger: Logger
  /** Give up after this long (ms). */
  readonly timeout: number
  /** A lock whose file is older than this (ms) is taken over even if its process looks alive. */
  readonly staleAfter: number
}

interface LockInfo {
  readonly pid: number
  readonly host: string
  readonly time: number
  readonly nonce: string
}

export interface HeldLock {
  readonly path: string
  readonly text: string
  /** Whether a crashed holder's lock was taken over to get this one. */
  readonly tookOver: boolean
}

const HOST = hostname()
const UNREADABLE_GRACE = 2000

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return isErrno(error, 'EPERM')
  }
}

function parseInfo(text: string): LockInfo | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockInfo>
    if (typeof value.pid === 'number' && typeof value.host === 'string') return value as LockInfo
  } catch {
    // An empty or half-written lock file: judged by its age alone.
  }
  return undefined
}

const sleep = (clock: Clock, ms: number): Promise<void> =>
  new Promise((resolve) => {
    clock.setTimeout(resolve, ms)
  })

/**
 * Moves a stale lock aside and deletes it, but only if it is still the one judged stale: when
 * two processes break the same stale lock at once, the second would otherwise delete the lock
 * the first has just created; it notices the different content and puts that lock back.
 */
async function breakLock(path: string, observed: string): Promise<void> {
  const aside = `${path}.${process.pid}.${randomHex()}.broken`
  try {
    await rename(path, aside)
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return
    throw error
  }
  let text: string | undefined
  try {
    text = await readFile(aside, 'utf8')
  } catch {
    text = undefined
  }
  if (text !== undefined && text !== observed) {
    await link(aside, path).catch(() => undefined)
  }
  await unlink(aside).catch(() => undefined)
}

const ioError = (path: string, doing: string, error: unknown): PortfolioError =>
  new PortfolioError('io-error', `cannot ${doing} lock file ${path}: ${(error as Error).message}`, {
    path,
    cause: error,
  })

/**
 * Creates the lock with its content in one step: the content goes to a private draft file
 * (`open(draft, 'wx')`), which is then hard-linked to the lock path; the link fails with EEXIST
 * while another process holds the lock. A writer killed at any point never leaves an empty
 * lock file. Returns the lock text, or `undefined` when the lock is taken.
 */
async function tryCreate(path: string, text: string, nonce: string): Promise<string | undefined> {
  const draft = `${path}.${process.pid}.${nonce}.tmp`
  try {
    const handle = await open(draft, 'wx', 0o600)
    try {
      await handle.writeFile(text, 'utf8')
    } finally {
      await handle.close()
    }
  } catch (error) {
    await unlink(draft).catch(() => undefined)
    throw ioError(path, 'create', error)
  }
  try {
    await link(draft, path)
    return text
  } catch (error) {
    // ENOENT: the holder swept our draft as an orphan; the lock is taken either way.
    if (isErrno(error, 'EEXIST') || isErrno(error, 'ENOENT')) return undefined
    throw ioError(path, 'create', error)
  } finally {
    await unlink(draft).catch(() => undefined)
  }
}

/**
 * Takes the exclusive lock file `path` (holding pid, host and time). A lock whose process is
 * dead (same host), or whose file is older than `staleAfter`, or that is unreadable for 2 s, is
 * taken over. Retries with jitter until `timeout`, then throws `lock-timeout`.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  const { clock } = options
  const deadline = clock.now() + options.timeout
  let tookOver = false
  let delay = 2
  let holder: LockInfo | undefined
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0 && clock.now() >= deadline) {
      throw new PortfolioError(
        'lock-timeout',
        `the store lock ${path} is held by process ${holder?.pid ?? 'unknown'} for over ` +
          `${options.timeout} ms; retry, or delete the lock file if that process is gone`,
        { path },
      )
    }
    const nonce = randomHex()
    const info: LockInfo = { pid: process.pid, host: HOST, time: clock.now(), nonce }
    const text = await tryCreate(path, JSON.stringify(info), nonce)
    if (text !== undefined) return { path, text, tookOver }
    let observed: string
    let age: number
    try {
      observed = await readFile(path, 'utf8')
      age = Date.now() - (await stat(path)).mtimeMs
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue // released meanwhile: try again at once
      throw ioError(path, 'read', error)
    }
    holder = parseInfo(observed)
    // Our own locks always have content; an empty or garbled one left by something else gets
    // a short grace, then is taken over.
    const garbled = holder === undefined && age > UNREADABLE_GRACE
    const dead = holder?.host === HOST && holder.pid !== process.pid && !pidAlive(holder.pid)
    if (dead || garbled || age > options.staleAfter) {
      options.logger.warn(
        { path, holder: holder?.pid, ageMs: Math.round(age) },
        'taking over a stale store lock (its process died or hung)',
      )
      await breakLock(path, observed)
      tookOver = true
      continue
    }
    await sleep(clock, delay + Math.random() * delay)
    delay = Math.min(delay * 2, 50)
  }
}

/** True while `lock` is still the lock file's content (nobody took it over). */
export async function stillHeld(lock: HeldLock): Promise<boolean> {
  try {
    return (await readFile(lock.path, 'utf8')) === lock.text
  } catch {
    return false
  }
}

export async function releaseLock(lock: HeldLock): Promise<void> {
  if (await stillHeld(lock)) await unlink(lock.path).catch(() => undefined)
}
