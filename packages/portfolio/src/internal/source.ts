import { EventType } from '@crypto-analyzer/core-events'
import type {
  AnyStreamEvent,
  Emitter,
  PriceUpdate,
  StreamEventBus,
} from '@crypto-analyzer/core-events'
import type { Observable } from 'rxjs'
import { PortfolioError } from '../errors.js'
import type { PriceSource } from '../types.js'

export function isBus(source: unknown): source is StreamEventBus {
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as Partial<StreamEventBus>).publishPriceUpdate === 'function' &&
    typeof (source as Partial<StreamEventBus>).subscribe === 'function'
  )
}

export function isObservable(source: unknown): source is Observable<PriceUpdate> {
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as { subscribe?: unknown }).subscribe === 'function' &&
    typeof (source as { pipe?: unknown }).pipe === 'function'
  )
}

let attachCount = 0

/** A bus subscription id unique within this process. */
export function subscriptionId(prefix: string): string {
  attachCount++
  return `${prefix}-${attachCount}-${Math.random().toString(16).slice(2, 8)}`
}

export interface AttachHandlers {
  readonly prefix: string
  /**
   * A `price_update` from the bus: trusted as it is, because the feed manager that published it
   * validated the frame and never lets a symbol's event time go back.
   */
  readonly onPrice: (update: PriceUpdate) => void
  /** A value from a caller's Observable: typed only by the caller, so it is checked before use. */
  readonly onUncheckedPrice: (update: unknown) => void
  /** Bus events of `extraTypes`. */
  readonly onEvent?: ((event: AnyStreamEvent) => void) | undefined
  readonly extraTypes?: readonly EventType[] | undefined
  /** The Observable failed: it delivers nothing more. */
  readonly onError: (error: unknown) => void
}

function subscribe(source: PriceSource, handlers: AttachHandlers): () => void {
  if (isBus(source)) {
    return source.subscribe(
      subscriptionId(handlers.prefix),
      (event) => {
        if (event.type === EventType.PRICE_UPDATE) handlers.onPrice(event.data)
        else handlers.onEvent?.(event)
      },
      { eventTypes: [EventType.PRICE_UPDATE, ...(handlers.extraTypes ?? [])] },
    )
  }
  if (isObservable(source)) {
    const subscription = source.subscribe({
      next: handlers.onUncheckedPrice,
      error: handlers.onError,
    })
    return () => {
      subscription.unsubscribe()
    }
  }
  throw new PortfolioError(
    'invalid-input',
    'attach() takes an Observable<PriceUpdate> (e.g. feedManager.updates$) or a StreamEventBus',
  )
}

/**
 * Subscribes to a price source until it is detached or `stopping` (the owner's `stop()`) emits.
 * Returns the detach function (idempotent).
 */
export function attachSource(
  source: PriceSource,
  handlers: AttachHandlers,
  stopping: Emitter<undefined>,
): () => void {
  const unsubscribe = subscribe(source, handlers)
  let attached = true
  const detach = (): void => {
    if (!attached) return
    attached = false
    off()
    unsubscribe()
  }
  const off = stopping.on(detach)
  return detach
}
