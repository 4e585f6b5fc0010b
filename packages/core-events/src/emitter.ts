import { Observable } from 'rxjs'

/**
 * The one listener mechanism of crypto-analyzer (after TanStack Query's `Subscribable`): a set of
 * listeners called in the order they were added.
 *
 * - A listener that throws never reaches the emitter's caller or the other listeners: the error
 *   goes to `onError` (count it, log it) and the rest are still called.
 * - Adding or removing listeners while an `emit` runs is safe: that `emit` calls the listeners
 *   that were there when it began, except ones removed meanwhile.
 * - `complete()` ends every `observable()` subscriber and removes every listener.
 */
export interface Emitter<T> {
  /** Adds a listener; returns its removal (calling it twice is harmless). */
  on(listener: (value: T) => void): () => void
  emit(value: T): void
  /** Listeners now. */
  readonly size: number
  /** The values emitted from now on, as an Observable that completes with `complete()`. */
  observable(): Observable<T>
  /** Completes the Observables and removes every listener. */
  complete(): void
}

export interface EmitterOptions {
  /** Called with what a listener threw (default: ignored). */
  readonly onError?: ((error: unknown) => void) | undefined
}

interface Entry<T> {
  readonly listener: (value: T) => void
  active: boolean
}

export function createEmitter<T>(options: EmitterOptions = {}): Emitter<T> {
  const onError = options.onError
  // Replaced on change, never mutated, so a running emit keeps its own list.
  let entries: readonly Entry<T>[] = []
  const completions = new Set<() => void>()

  const on = (listener: (value: T) => void): (() => void) => {
    if (typeof listener !== 'function') {
      throw new TypeError(`a listener must be a function, got ${typeof listener}`)
    }
    const entry: Entry<T> = { listener, active: true }
    entries = [...entries, entry]
    return () => {
      if (!entry.active) return
      entry.active = false
      entries = entries.filter((item) => item !== entry)
    }
  }

  return {
    on,
    emit(value) {
      for (const entry of entries) {
        if (!entry.active) continue
        try {
          entry.listener(value)
        } catch (error) {
          onError?.(error)
        }
      }
    },
    get size() {
      return entries.length
    },
    observable() {
      return new Observable<T>((subscriber) => {
        const complete = (): void => {
          subscriber.complete()
        }
        completions.add(complete)
        const off = on((value) => {
          subscriber.next(value)
        })
        return () => {
          completions.delete(complete)
          off()
        }
      })
    },
    complete() {
      for (const complete of [...completions]) complete()
      completions.clear()
      for (const entry of entries) entry.active = false
      entries = []
    },
  }
}
