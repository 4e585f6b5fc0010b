import { Observable } from 'rxjs'
import { systemClock } from './clock.js'
import type { Clock } from './clock.js'
import { CryptoAnalyzerError } from './errors.js'
import { silentLogger } from './logger.js'
import type { Logger } from './logger.js'
import { EventType } from './model.js'
import type { AnyStreamEvent, PriceUpdate } from './model.js'

/**
 * Which events a subscription receives: every given criterion must match. Sets or arrays work.
 * `custom` runs last and only on events the other criteria let through.
 */
export interface EventFilter {
  readonly eventTypes?: Iterable<EventType> | undefined
  readonly sources?: Iterable<string> | undefined
  readonly symbols?: Iterable<string> | undefined
  readonly custom?: ((event: AnyStreamEvent) => boolean) | undefined
}

/**
 * A handler may return a promise: the subscription then waits for it before its next event,
 * queuing meanwhile, while other subscriptions go on.
 */
export type EventHandler = (event: AnyStreamEvent) => void | Promise<void>

export interface SubscribeOptions {
  /** Most events queued while the handler is busy. Default: the bus's `queueSize` (1000). */
  readonly queueSize?: number | undefined
}

/** Call to end a subscription; calling twice is harmless. */
export type Unsubscribe = () => void

export interface BusStats {
  readonly eventsPublished: number
  /** Handler calls that completed (a subscription receiving an event counts once). */
  readonly eventsProcessed: number
  readonly activeSubscriptions: number
  /** Events a full queue could not keep, plus events published while stopped. */
  readonly eventsDropped: number
  /** Handler calls that threw or rejected. */
  readonly handlerErrors: number
  /** Events waiting in subscription queues now. */
  readonly queued: number
  /** Events in the recent-event history now. */
  readonly historySize: number
}

export interface HistoryQuery {
  readonly filter?: EventFilter | undefined
  /** Newest `limit` matching events, oldest first. */
  readonly limit?: number | undefined
}

export interface EventBusOptions {
  /** Recent events kept for late subscribers and debugging. Default 1000, 0 disables. */
  readonly historySize?: number | undefined
  /** Default per-subscription queue bound. Default 1000. */
  readonly queueSize?: number | undefined
  readonly logger?: Logger | undefined
  readonly clock?: Clock | undefined
}

/** The publish/subscribe hub between feeds, portfolio, alerts and the server. */
export interface StreamEventBus {
  start(): void
  /** Ends every subscription (completing Observables) and drops queued events. */
  stop(): void
  readonly running: boolean
  subscribe(
    id: string,
    handler: EventHandler,
    filter?: EventFilter,
    options?: SubscribeOptions,
  ): Unsubscribe
  unsubscribe(id: string): boolean
  /** Publishes an event as given. Returns false when the bus is stopped (the event is counted as dropped). */
  publish(event: AnyStreamEvent): boolean
  /** Wraps a price update in a `price_update` event from its `source` and publishes it. */
  publishPriceUpdate(symbol: string, data: PriceUpdate): AnyStreamEvent
  /** Builds an event with a fresh id and the bus clock's time (not published). */
  createEvent<K extends EventType>(
    type: K,
    data: Extract<AnyStreamEvent, { type: K }>['data'],
    meta: { readonly source: string; readonly symbol?: string | undefined },
  ): Extract<AnyStreamEvent, { type: K }>
  /** An Observable of matching events; each subscriber is one bus subscription. */
  observe(filter?: EventFilter): Observable<AnyStreamEvent>
  getBusStats(): BusStats
  getHistory(query?: HistoryQuery): AnyStreamEvent[]
}

interface CompiledFilter {
  readonly types: ReadonlySet<string> | undefined
  readonly sources: ReadonlySet<string> | undefined
  readonly symbols: ReadonlySet<string> | undefined
  readonly custom: ((event: AnyStreamEvent) => boolean) | undefined
}

interface Subscription {
  readonly id: string
  readonly handler: EventHandler
  readonly filter: CompiledFilter
  readonly queueSize: number
  readonly queue: AnyStreamEvent[]
  busy: boolean
  active: boolean
  onEnd: (() => void) | undefined
}

const toSet = (values: Iterable<string> | undefined): ReadonlySet<string> | undefined =>
  values === undefined ? undefined : new Set(values)

function compile(filter: EventFilter | undefined): CompiledFilter {
  return {
    types: toSet(filter?.eventTypes),
    sources: toSet(filter?.sources),
    symbols: toSet(filter?.symbols),
    custom: filter?.custom,
  }
}

function matches(filter: CompiledFilter, event: AnyStreamEvent): boolean {
  if (filter.types !== undefined && !filter.types.has(event.type)) return false
  if (filter.sources !== undefined && !filter.sources.has(event.source)) return false
  if (
    filter.symbols !== undefined &&
    (event.symbol === undefined || !filter.symbols.has(event.symbol))
  ) {
    return false
  }
  return filter.custom === undefined || filter.custom(event)
}

const positiveInteger = (
  value: number | undefined,
  fallback: number,
  name: string,
  min: number,
): number => {
  const result = value ?? fallback
  if (!Number.isInteger(result) || result < min) {
    throw new CryptoAnalyzerError(
      'INVALID_CONFIG',
      `${name} must be an integer >= ${min} (got ${String(value)}); e.g. ${name}: ${fallback}`,
    )
  }
  return result
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function'

/**
 * Creates an event bus.
 *
 * Delivery: an idle subscription receives an event synchronously inside `publish`; events
 * published from inside a handler are delivered after the current one reaches every subscriber,
 * so all subscribers see one order. A subscription whose handler returned an unsettled promise
 * queues events (bounded by `queueSize`). On overflow a `price_update` replaces the queued update
 * of the same symbol (newest price wins); otherwise the oldest queued event is dropped. Drops
 * and handler errors are counted and logged, never thrown to the publisher.
 */
export function createEventBus(options: EventBusOptions = {}): StreamEventBus {
  const historyLimit = positiveInteger(options.historySize, 1000, 'historySize', 0)
  const defaultQueueSize = positiveInteger(options.queueSize, 1000, 'queueSize', 1)
  const logger = options.logger ?? silentLogger
  const clock = options.clock ?? systemClock

  const subscriptions = new Map<string, Subscription>()
  let list: Subscription[] = []
  const history: AnyStreamEvent[] = []
  let historyStart = 0
  const pending: AnyStreamEvent[] = []
  let dispatching = false
  let running = false
  let nextEventId = 0
  let published = 0
  let processed = 0
  let dropped = 0
  let handlerErrors = 0

  const onHandlerError = (
    subscription: Subscription,
    event: AnyStreamEvent,
    error: unknown,
  ): void => {
    handlerErrors++
    logger.error(
      { err: error, subscription: subscription.id, eventType: event.type, eventId: event.id },
      'event handler failed; other subscribers were not affected',
    )
  }

  const invoke = (subscription: Subscription, event: AnyStreamEvent): void => {
    let result: unknown
    try {
      result = subscription.handler(event)
    } catch (error) {
      onHandlerError(subscription, event, error)
      return
    }
    if (!isThenable(result)) {
      processed++
      return
    }
    subscription.busy = true
    result.then(
      () => {
        processed++
        settle(subscription)
      },
      (error: unknown) => {
        onHandlerError(subscription, event, error)
        settle(subscription)
      },
    )
  }

  const settle = (subscription: Subscription): void => {
    subscription.busy = false
    drain(subscription)
  }

  const drain = (subscription: Subscription): void => {
    while (subscription.active && !subscription.busy) {
      const next = subscription.queue.shift()
      if (next === undefined) return
      invoke(subscription, next)
    }
  }

  const enqueue = (subscription: Subscription, event: AnyStreamEvent): void => {
    const queue = subscription.queue
    if (queue.length < subscription.queueSize) {
      queue.push(event)
      return
    }
    dropped++
    let index = 0
    if (event.type === EventType.PRICE_UPDATE) {
      const same = queue.findIndex(
        (queued) => queued.type === EventType.PRICE_UPDATE && queued.symbol === event.symbol,
      )
      if (same >= 0) index = same
    }
    queue.splice(index, 1)
    queue.push(event)
    logger.debug(
      { subscription: subscription.id, queueSize: subscription.queueSize },
      'subscription queue full; dropped one event',
    )
  }

  const deliver = (event: AnyStreamEvent): void => {
    for (const subscription of list) {
      if (!subscription.active || !matches(subscription.filter, event)) continue
      if (subscription.busy || subscription.queue.length > 0) enqueue(subscription, event)
      else invoke(subscription, event)
    }
  }

  const remember = (event: AnyStreamEvent): void => {
    if (historyLimit === 0) return
    if (history.length < historyLimit) {
      history.push(event)
    } else {
      history[historyStart] = event
      historyStart = (historyStart + 1) % historyLimit
    }
  }

  const publish = (event: AnyStreamEvent): boolean => {
    if (!running) {
      dropped++
      return false
    }
    published++
    remember(event)
    if (dispatching) {
      pending.push(event)
      return true
    }
    dispatching = true
    try {
      deliver(event)
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) deliver(next)
    } finally {
      dispatching = false
    }
    return true
  }

  const remove = (subscription: Subscription): void => {
    if (!subscription.active) return
    subscription.active = false
    subscription.queue.length = 0
    subscriptions.delete(subscription.id)
    list = list.filter((item) => item !== subscription)
    subscription.onEnd?.()
  }

  const subscribe = (
    id: string,
    handler: EventHandler,
    filter?: EventFilter,
    subscribeOptions: SubscribeOptions = {},
  ): Unsubscribe => {
    if (typeof id !== 'string' || id.length === 0) {
      throw new CryptoAnalyzerError(
        'INVALID_CONFIG',
        'subscription id must be a non-empty string, e.g. "price-logger"',
      )
    }
    if (subscriptions.has(id)) {
      throw new CryptoAnalyzerError(
        'INVALID_CONFIG',
        `a subscription with id ${JSON.stringify(id)} already exists; unsubscribe it first or pick another id`,
      )
    }
    const subscription: Subscription = {
      id,
      handler,
      filter: compile(filter),
      queueSize: positiveInteger(subscribeOptions.queueSize, defaultQueueSize, 'queueSize', 1),
      queue: [],
      busy: false,
      active: true,
      onEnd: undefined,
    }
    subscriptions.set(id, subscription)
    list = [...list, subscription]
    return () => {
      remove(subscription)
    }
  }

  let observerCount = 0

  const bus: StreamEventBus = {
    start() {
      running = true
    },
    stop() {
      running = false
      for (const subscription of [...list]) remove(subscription)
      pending.length = 0
    },
    get running() {
      return running
    },
    subscribe,
    unsubscribe(id) {
      const subscription = subscriptions.get(id)
      if (subscription === undefined) return false
      remove(subscription)
      return true
    },
    publish,
    publishPriceUpdate(symbol, data) {
      const event = bus.createEvent(EventType.PRICE_UPDATE, data, { source: data.source, symbol })
      publish(event)
      return event
    },
    createEvent(type, data, meta) {
      nextEventId++
      return {
        id: `evt-${nextEventId}`,
        type,
        source: meta.source,
        symbol: meta.symbol,
        data,
        timestamp: clock.now(),
      } as Extract<AnyStreamEvent, { type: typeof type }>
    },
    observe(filter) {
      return new Observable<AnyStreamEvent>((subscriber) => {
        observerCount++
        const id = `observable-${observerCount}`
        const unsubscribe = subscribe(
          id,
          (event) => {
            subscriber.next(event)
          },
          filter,
        )
        const subscription = subscriptions.get(id)
        if (subscription !== undefined) {
          subscription.onEnd = () => {
            subscriber.complete()
          }
        }
        return () => {
          if (subscription !== undefined) subscription.onEnd = undefined
          unsubscribe()
        }
      })
    },
    getBusStats() {
      let queued = 0
      for (const subscription of list) queued += subscription.queue.length
      return {
        eventsPublished: published,
        eventsProcessed: processed,
        activeSubscriptions: list.length,
        eventsDropped: dropped,
        handlerErrors,
        queued,
        historySize: history.length,
      }
    },
    getHistory(query = {}) {
      const ordered = [...history.slice(historyStart), ...history.slice(0, historyStart)]
      const filter = query.filter === undefined ? undefined : compile(query.filter)
      const selected =
        filter === undefined ? ordered : ordered.filter((event) => matches(filter, event))
      return query.limit === undefined
        ? selected
        : selected.slice(Math.max(0, selected.length - query.limit))
    },
  }
  return bus
}
