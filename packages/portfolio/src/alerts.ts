import { randomBytes } from 'node:crypto'
import { EventType, createEmitter, silentLogger, systemClock } from '@crypto-analyzer/core-events'
import type {
  AlertEvent,
  AnyStreamEvent,
  Clock,
  FeedStatus,
  Logger,
  PriceUpdate,
  ProviderName,
  StreamEventBus,
} from '@crypto-analyzer/core-events'
import { EMPTY, defer } from 'rxjs'
import type { Observable } from 'rxjs'
import { conditionHolds, parseAlertCondition } from './condition.js'
import type { AlertCondition } from './condition.js'
import { PortfolioError } from './errors.js'
import { toInteger, toSymbol } from './internal/input.js'
import { invalidUpdate } from './internal/price.js'
import { attachSource } from './internal/source.js'
import type { PriceSource } from './types.js'

/** An alert as saved and as passed to {@link AlertEngine.addAlert}. */
export interface AlertDefinition {
  /** 1 to 64 of `A-Za-z0-9_-`; default a random 8-hex-digit id. */
  readonly id?: string | undefined
  readonly symbol: string
  /** `<field> <op> <number>` clauses joined with `and`, e.g. `price > 50000`. */
  readonly condition: string
  /** Default `<SYMBOL> <condition>`. */
  readonly message?: string | undefined
  /** Least time in ms between two firings; 0 (default) = none. */
  readonly cooldown?: number | undefined
  /** Epoch ms; default the clock's now. */
  readonly createdAt?: number | undefined
}

/** An alert in an engine, with its live state. */
export interface Alert {
  readonly id: string
  readonly symbol: string
  /** The normalized condition text. */
  readonly condition: string
  readonly parsed: AlertCondition
  readonly message: string
  readonly cooldown: number
  readonly createdAt: number
  /** True while the alert may fire: at creation, and again once its condition was false. */
  readonly armed: boolean
  readonly lastTriggeredAt?: number
  readonly triggerCount: number
}

/** A fired alert: the contract's `AlertEvent` plus the update that fired it. */
export interface TriggeredAlert extends AlertEvent {
  readonly source: ProviderName
  readonly update: PriceUpdate
}

export interface AlertEngineOptions {
  /** Fired alerts are also published here as `alert_triggered` (source `alerts`). */
  readonly bus?: StreamEventBus | undefined
  readonly clock?: Clock | undefined
  readonly logger?: Logger | undefined
  /** Updates whose `timestamp` is older than this (ms, against `clock`) never fire or re-arm; 0 = off. Default 60000. */
  readonly staleAfter?: number | undefined
}

export interface AlertEngineStats {
  readonly evaluated: number
  readonly fired: number
  /** Updates older than `staleAfter`. */
  readonly ignoredStale: number
  /** Updates timestamped before their provider's last reconnect. */
  readonly ignoredBeforeReconnect: number
  /** Malformed updates (from `evaluate` or an Observable), or updates after `stop()`. */
  readonly ignoredOther: number
  /** Edges that came while the alert was cooling down (it stays armed). */
  readonly deferredByCooldown: number
  readonly handlerErrors: number
}

export interface AlertEngine {
  /** Validates and adds an alert (armed). Throws `invalid-input`, `invalid-condition` or `duplicate-id`. */
  addAlert(definition: AlertDefinition): Alert
  removeAlert(id: string): boolean
  listAlerts(): Alert[]
  /**
   * Makes the engine hold exactly these alerts (a hot reload from the store). An alert whose id,
   * symbol, condition and cooldown are unchanged keeps its arm state and last firing. All are
   * validated first; on an error nothing changes.
   */
  replaceAlerts(definitions: readonly AlertDefinition[]): void
  /**
   * Evaluates one update; returns the alerts it fired (also delivered to handlers and the bus).
   * A malformed update is counted and ignored. Updates are taken in the order given (the feed
   * manager never lets a symbol's event time go back).
   */
  evaluate(update: PriceUpdate): TriggeredAlert[]
  /** Feed status from a price-feed manager (bus `feed_status` events are read by `attach(bus)`). */
  applyFeedStatus(status: FeedStatus, at?: number): void
  /** Prices from an Observable, or `price_update` and `feed_status` events from the bus. */
  attach(source: PriceSource): () => void
  onAlert(handler: (event: TriggeredAlert) => void): () => void
  readonly alerts$: Observable<TriggeredAlert>
  getStats(): AlertEngineStats
  /** Detaches every source and completes `alerts$`; later updates are ignored. */
  stop(): void
}

interface Entry {
  readonly id: string
  readonly symbol: string
  readonly parsed: AlertCondition
  message: string
  readonly cooldown: number
  readonly createdAt: number
  armed: boolean
  lastTriggeredAt: number | undefined
  triggerCount: number
}

const isList = (value: unknown): boolean => Array.isArray(value)

const ID = /^[A-Za-z0-9_-]{1,64}$/

/** A short random alert id: 8 hex digits. */
export function createAlertId(): string {
  return randomBytes(4).toString('hex')
}

interface ProviderTrack {
  state: FeedStatus['state']
  everConnected: boolean
}

/**
 * Creates an alert engine. Conditions fire on their edge (false → true) once, and re-arm when
 * false again; with a cooldown, an edge within `cooldown` ms of the last firing waits: the alert
 * stays armed and fires at the first later update where the condition still holds. A new alert
 * starts armed. Updates older than `staleAfter`, or timestamped before the last reconnect of
 * their provider, neither fire nor re-arm anything.
 */
export function createAlertEngine(options: AlertEngineOptions = {}): AlertEngine {
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const bus = options.bus
  const staleAfter = toInteger(options.staleAfter, 60_000, 'staleAfter')

  const byId = new Map<string, Entry>()
  const bySymbol = new Map<string, Map<string, Entry>>()
  const previous = new Map<string, PriceUpdate>()
  const reconnectAt = new Map<string, number>()
  const providers = new Map<string, ProviderTrack>()
  let stopped = false
  const stats = {
    evaluated: 0,
    fired: 0,
    ignoredStale: 0,
    ignoredBeforeReconnect: 0,
    ignoredOther: 0,
    deferredByCooldown: 0,
    handlerErrors: 0,
  }
  // The alert being delivered, so a handler's failure is logged with its id.
  let delivering: string | undefined
  const firings = createEmitter<TriggeredAlert>({
    onError: (error) => {
      stats.handlerErrors++
      logger.error({ err: error, alert: delivering }, 'alert handler failed; others still ran')
    },
  })
  const stopping = createEmitter<undefined>()

  const build = (definition: AlertDefinition, taken: ReadonlySet<string>): Entry => {
    if (typeof definition !== 'object' || (definition as unknown) === null) {
      throw new PortfolioError(
        'invalid-input',
        'an alert definition is an object like { symbol: "BTC", condition: "price > 50000" }',
      )
    }
    let id = definition.id
    if (id === undefined) {
      do id = createAlertId()
      while (taken.has(id))
    } else if (typeof id !== 'string' || !ID.test(id)) {
      throw new PortfolioError(
        'invalid-input',
        `alert id ${JSON.stringify(id)} must be 1 to 64 letters, digits, "_" or "-"; e.g. a1b2c3d4`,
      )
    } else if (taken.has(id)) {
      throw new PortfolioError(
        'duplicate-id',
        `an alert with id ${JSON.stringify(id)} already exists; remove it first or pick another id`,
      )
    }
    const symbol = toSymbol(definition.symbol)
    const parsed = parseAlertCondition(definition.condition)
    const cooldown = toInteger(definition.cooldown, 0, 'cooldown')
    if (definition.message !== undefined && typeof definition.message !== 'string') {
      throw new PortfolioError('invalid-input', 'alert message must be text, e.g. "BTC above 50k"')
    }
    const createdAt = definition.createdAt ?? clock.now()
    if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) {
      throw new PortfolioError(
        'invalid-input',
        'alert createdAt must be epoch milliseconds, e.g. Date.now()',
      )
    }
    return {
      id,
      symbol,
      parsed,
      message: definition.message ?? `${symbol} ${parsed.text}`,
      cooldown,
      createdAt,
      armed: true,
      lastTriggeredAt: undefined,
      triggerCount: 0,
    }
  }

  const index = (entry: Entry): void => {
    byId.set(entry.id, entry)
    let group = bySymbol.get(entry.symbol)
    if (group === undefined) {
      group = new Map()
      bySymbol.set(entry.symbol, group)
    }
    group.set(entry.id, entry)
  }

  const unindex = (entry: Entry): void => {
    byId.delete(entry.id)
    const group = bySymbol.get(entry.symbol)
    group?.delete(entry.id)
    if (group?.size === 0) bySymbol.delete(entry.symbol)
  }

  const view = (entry: Entry): Alert => ({
    id: entry.id,
    symbol: entry.symbol,
    condition: entry.parsed.text,
    parsed: entry.parsed,
    message: entry.message,
    cooldown: entry.cooldown,
    createdAt: entry.createdAt,
    armed: entry.armed,
    ...(entry.lastTriggeredAt === undefined ? {} : { lastTriggeredAt: entry.lastTriggeredAt }),
    triggerCount: entry.triggerCount,
  })

  const deliver = (event: TriggeredAlert): void => {
    // A handler may evaluate another update, which delivers its own alerts first.
    const outer = delivering
    delivering = event.id
    try {
      firings.emit(event)
    } finally {
      delivering = outer
    }
    if (bus?.running === true) {
      bus.publish(
        bus.createEvent(EventType.ALERT_TRIGGERED, event, {
          source: 'alerts',
          symbol: event.symbol,
        }),
      )
    }
  }

  const ignore = (problem: string): TriggeredAlert[] => {
    stats.ignoredOther++
    logger.debug({ problem }, 'alert engine ignored a price update')
    return []
  }

  // Prices from the bus: validated and ordered by the feed manager where their frames entered.
  // The stale and reconnect rules are the engine's own: they hold whatever the source.
  const run = (update: PriceUpdate): TriggeredAlert[] => {
    if (stopped) return ignore('engine stopped')
    const now = clock.now()
    if (staleAfter > 0 && now - update.timestamp > staleAfter) {
      stats.ignoredStale++
      return []
    }
    const reconnectedAt = reconnectAt.get(update.source)
    if (reconnectedAt !== undefined && update.timestamp < reconnectedAt) {
      stats.ignoredBeforeReconnect++
      return []
    }
    const key = `${update.source}\u0000${update.symbol}`
    const before = previous.get(key)
    previous.set(key, update)
    stats.evaluated++
    const group = bySymbol.get(update.symbol)
    if (group === undefined) return []
    const fired: TriggeredAlert[] = []
    for (const entry of group.values()) {
      if (!conditionHolds(entry.parsed, update, before)) {
        entry.armed = true
        continue
      }
      if (!entry.armed) continue
      if (
        entry.cooldown > 0 &&
        entry.lastTriggeredAt !== undefined &&
        now - entry.lastTriggeredAt < entry.cooldown
      ) {
        stats.deferredByCooldown++
        continue
      }
      entry.armed = false
      entry.lastTriggeredAt = now
      entry.triggerCount++
      fired.push({
        id: entry.id,
        symbol: entry.symbol,
        condition: entry.parsed.text,
        message: entry.message,
        price: update.price,
        triggeredAt: now,
        source: update.source,
        update,
      })
    }
    stats.fired += fired.length
    for (const event of fired) deliver(event)
    return fired
  }

  // Prices from a caller (`evaluate`, an Observable): only the shape is checked here.
  const evaluate = (update: unknown): TriggeredAlert[] => {
    const problem = invalidUpdate(update)
    return problem === undefined ? run(update as PriceUpdate) : ignore(problem)
  }

  const applyFeedStatus = (status: FeedStatus, at: number = clock.now()): void => {
    const track = providers.get(status.provider)
    if (status.state === 'connected') {
      if (
        track !== undefined &&
        track.state !== 'connected' &&
        (track.everConnected || track.state === 'reconnecting')
      ) {
        reconnectAt.set(status.provider, at)
        // A crossing is never measured against a frame from before the reconnect.
        for (const [key, update] of previous)
          if (update.source === status.provider) previous.delete(key)
        logger.debug({ provider: status.provider, at }, 'alerts: provider reconnected')
      }
      providers.set(status.provider, { state: 'connected', everConnected: true })
    } else {
      providers.set(status.provider, {
        state: status.state,
        everConnected: track?.everConnected ?? false,
      })
    }
  }

  return {
    addAlert(definition) {
      const entry = build(definition, new Set(byId.keys()))
      index(entry)
      return view(entry)
    },
    removeAlert(id) {
      const entry = byId.get(id)
      if (entry === undefined) return false
      unindex(entry)
      return true
    },
    listAlerts() {
      return [...byId.values()].map(view)
    },
    replaceAlerts(definitions) {
      const list: readonly AlertDefinition[] = definitions
      // Checked without narrowing: `Array.isArray` would widen the list to `any[]`.
      if (!isList(list)) {
        throw new PortfolioError(
          'invalid-input',
          'replaceAlerts() takes an array of alert definitions',
        )
      }
      const taken = new Set<string>()
      const next: Entry[] = []
      for (const definition of list) {
        const entry = build(definition, taken)
        taken.add(entry.id)
        const old = byId.get(entry.id)
        if (
          old?.symbol === entry.symbol &&
          old.parsed.text === entry.parsed.text &&
          old.cooldown === entry.cooldown
        ) {
          old.message = entry.message
          next.push(old)
        } else {
          next.push(entry)
        }
      }
      byId.clear()
      bySymbol.clear()
      for (const entry of next) index(entry)
    },
    evaluate,
    applyFeedStatus,
    attach(source) {
      if (stopped)
        throw new PortfolioError('invalid-state', 'this alert engine was stopped; create a new one')
      return attachSource(
        source,
        {
          prefix: 'alerts',
          onPrice: (update) => {
            run(update)
          },
          onUncheckedPrice: (update) => {
            evaluate(update)
          },
          onEvent: (event: AnyStreamEvent) => {
            if (event.type === EventType.FEED_STATUS) applyFeedStatus(event.data, event.timestamp)
          },
          extraTypes: [EventType.FEED_STATUS],
          onError: (error) => {
            logger.warn(
              { err: error },
              'price source attached to the alert engine failed; it delivers no more',
            )
          },
        },
        stopping,
      )
    },
    onAlert: (handler) => firings.on(handler),
    // A subscriber that comes after stop() is completed at once, as a completed Subject does.
    alerts$: defer(() => (stopped ? EMPTY : firings.observable())),
    getStats() {
      return { ...stats }
    },
    stop() {
      if (stopped) return
      stopped = true
      stopping.emit(undefined)
      firings.complete()
    },
  }
}
