import { stat } from 'node:fs/promises'
import { createEmitter } from '@crypto-analyzer/core-events'
import type { Clock, Logger, TimerHandle } from '@crypto-analyzer/core-events'
import { PortfolioError } from '../errors.js'
import { isErrno } from './files.js'

export interface FileWatchOptions<T> {
  readonly path: string
  /** Reads the file's list (`[]` while there is no file); throws when it cannot be used. */
  readonly read: () => Promise<T[]>
  readonly clock: Clock
  readonly logger: Logger
  /** How often the file is looked at, ms. */
  readonly pollInterval: number
  /** Deliver the current content at once (asynchronously). */
  readonly emitInitial: boolean
  readonly onChange: (items: T[]) => void
  /** Once per change of the file that cannot be read (or that `onChange` failed on). */
  readonly onError?: ((error: PortfolioError) => void) | undefined
}

/** A version of the file, told without reading it: inode, size and both change times. */
async function versionOf(path: string): Promise<string> {
  const s = await stat(path, { bigint: true })
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`
}

/**
 * Polls one saved-state file and delivers its list whenever the content changed, whoever wrote
 * it. A file that cannot be read is reported once per change and leaves the last good list in
 * force. Returns unwatch (idempotent).
 */
export function watchFile<T>(options: FileWatchOptions<T>): () => void {
  const { path, read, clock, logger } = options
  let lastKey: string | undefined
  let lastText: string | undefined
  let busy = false
  const state = { active: true }
  const isActive = (): boolean => state.active

  // A failing error handler must not stop the watcher: the emitter isolates it.
  const errors = createEmitter<PortfolioError>()
  if (options.onError !== undefined) errors.on(options.onError)
  const report = (error: unknown): void => {
    const reported =
      error instanceof PortfolioError
        ? error
        : new PortfolioError('io-error', `watching ${path} failed: ${(error as Error).message}`, {
            path,
            cause: error,
          })
    logger.warn({ err: reported, path }, 'saved state could not be reloaded')
    errors.emit(reported)
  }
  const changes = createEmitter<T[]>({ onError: report })
  changes.on(options.onChange)

  const tick = async (): Promise<void> => {
    if (busy || !state.active) return
    busy = true
    try {
      let key = 'missing'
      try {
        key = await versionOf(path)
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw error
      }
      if (key === lastKey) return
      lastKey = key
      const items = await read()
      const text = JSON.stringify(items)
      if (text === lastText || !isActive()) return
      lastText = text
      changes.emit(items)
    } catch (error) {
      report(error)
    } finally {
      busy = false
    }
  }

  const timer: TimerHandle = clock.setInterval(() => {
    void tick()
  }, options.pollInterval)
  if (options.emitInitial) {
    void tick()
  } else {
    // Start from the current file, so only later changes are delivered.
    busy = true
    void (async () => {
      try {
        lastKey = await versionOf(path)
        lastText = JSON.stringify(await read())
      } catch {
        lastKey = undefined
      } finally {
        busy = false
      }
    })()
  }
  return () => {
    if (!state.active) return
    state.active = false
    clock.clearInterval(timer)
    changes.complete()
    errors.complete()
  }
}
