import {
  Decimal,
  EventType,
  createEmitter,
  silentLogger,
  systemClock,
} from '@crypto-analyzer/core-events'
import type {
  Clock,
  Logger,
  PortfolioSnapshot,
  PriceUpdate,
  StreamEventBus,
  TimerHandle,
} from '@crypto-analyzer/core-events'
import type { PriceFeedManager } from '@crypto-analyzer/price-feeds'
import { EMPTY, defer } from 'rxjs'
import type { Observable } from 'rxjs'
import { PortfolioError } from './errors.js'
import { toDecimal, toInteger, toSymbol } from './internal/input.js'
import { invalidUpdate } from './internal/price.js'
import { attachSource } from './internal/source.js'
import type { PriceSource } from './types.js'
import { Throttle } from './internal/throttle.js'
import { Valuation } from './internal/valuation.js'
import type { BuiltSnapshot } from './internal/valuation.js'
import { startFeed } from './monitoring.js'
import type { MonitorFeed, MonitoringOptions } from './monitoring.js'

export interface PortfolioMonitorOptions {
  /** Snapshots are also published here as `portfolio_update` events (source `portfolio`). */
  readonly bus?: StreamEventBus | undefined
  readonly clock?: Clock | undefined
  readonly logger?: Logger | undefined
  /** Least time between two emitted snapshots in ms; 0 emits on every change. Default 250 (4/s). */
  readonly throttle?: number | undefined
  /** A price whose `timestamp` is older than this (ms, against `clock`) is stale; 0 = never. Default 60000. */
  readonly staleAfter?: number | undefined
}

/** One holding as added. */
export interface Holding {
  readonly symbol: string
  readonly amount: Decimal
  /** Price paid per unit, when known. */
  readonly costBasis?: Decimal
}

export interface HoldingOptions {
  /** Price paid per unit in the quote currency; enables `unrealizedPnl`. */
  readonly costBasis?: Decimal | string | undefined
}

/**
 * A `PortfolioSnapshot` (the contract's `portfolio_update` data) with the lists always present
 * and a few extra figures.
 */
export interface PortfolioValuation extends PortfolioSnapshot {
  /** Symbols held that have no price yet (valued at 0). */
  readonly missing: readonly string[]
  /** Symbols whose price is older than `staleAfter` (still valued at that price). */
  readonly stale: readonly string[]
  /** Sum of `unrealizedPnl` over the holdings that have one; absent when none has. */
  readonly totalUnrealizedPnl?: Decimal
  /** When the snapshot was built (clock time, epoch ms). */
  readonly asOf: number
}

export interface PortfolioMonitorStats {
  /** Price updates accepted (held or not). */
  readonly updatesApplied: number
  /** Price updates dropped: malformed (from `applyPriceUpdate` or an Observable), or after `stop()`. */
  readonly updatesIgnored: number
  readonly snapshotsEmitted: number
  /** Snapshot handlers that threw (they are isolated from each other). */
  readonly handlerErrors: number
}

export interface PortfolioMonitor {
  /** Sets the holding of `symbol` (replacing an earlier one). Throws `invalid-input`. */
  addHolding(symbol: string, amount: Decimal | string, options?: HoldingOptions): void
  removeHolding(symbol: string): boolean
  getHoldings(): Holding[]
  /**
   * Feeds one price directly. Malformed updates are counted and dropped, never thrown. Prices
   * are taken in the order given (the feed manager never lets a symbol's event time go back).
   */
  applyPriceUpdate(update: PriceUpdate): void
  /** Takes prices from an Observable or the bus's `price_update` events. Returns detach. */
  attach(source: PriceSource): () => void
  /**
   * Streams prices for the symbols held now from a new price-feed manager (`provider`, default
   * `mock`, plus `fallback`s), or takes them from your `feedManager`. A holding of a new symbol
   * added later is valued only if the feed carries it. Throws `invalid-config` /
   * `invalid-state`; a new manager's own errors (`FeedError`) pass through.
   */
  startMonitoring(options?: MonitoringOptions): Promise<void>
  /** The feed manager prices come from after `startMonitoring()` (for status), else undefined. */
  getFeedManager(): PriceFeedManager | undefined
  /** Detaches every source, stops a feed manager it created, clears timers, completes `snapshots$`. */
  stop(): Promise<void>
  /** The portfolio now (cached until a price, a holding or a staleness changes). */
  getSnapshot(): PortfolioValuation
  onSnapshot(handler: (snapshot: PortfolioValuation) => void): () => void
  readonly snapshots$: Observable<PortfolioValuation>
  getStats(): PortfolioMonitorStats
}

/**
 * Creates a portfolio monitor: holdings valued at the latest price of each symbol, exactly.
 *
 * A price update revalues only its own holding and adjusts the running totals (O(1)); snapshots
 * (O(holdings)) are emitted throttled: the first change at once, then at most one per `throttle`
 * ms, the last state always delivered. A snapshot is also emitted when a held price turns stale.
 */
export function createPortfolioMonitor(options: PortfolioMonitorOptions = {}): PortfolioMonitor {
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const bus = options.bus
  const throttle = toInteger(options.throttle, 250, 'throttle')
  const staleAfter = toInteger(options.staleAfter, 60_000, 'staleAfter')

  const valuation = new Valuation()
  const stats = { updatesApplied: 0, updatesIgnored: 0, snapshotsEmitted: 0, handlerErrors: 0 }
  const snapshots = createEmitter<PortfolioValuation>({
    onError: (error) => {
      stats.handlerErrors++
      logger.error({ err: error }, 'portfolio snapshot handler failed; others still ran')
    },
  })
  const stopping = createEmitter<undefined>()
  let feed: MonitorFeed | undefined
  let monitoring = false
  let stopped = false
  // Read through a call: the compiler cannot see stop() change it across an await.
  const isStopped = (): boolean => stopped
  let version = 0
  let cached: { version: number; built: BuiltSnapshot; snapshot: PortfolioValuation } | undefined
  let staleTimer: { readonly handle: TimerHandle } | undefined

  const snapshot = (): PortfolioValuation => {
    const now = clock.now()
    if (cached?.version === version && now < cached.built.nextStaleAt) return cached.snapshot
    const built = valuation.build(now, staleAfter)
    const result: PortfolioValuation = {
      totalValue: built.totalValue,
      totalChange24h: built.totalChange24h,
      totalChangePercent24h: built.totalChangePercent24h,
      holdings: built.holdings,
      missing: built.missing,
      stale: built.stale,
      ...(built.totalUnrealizedPnl === undefined
        ? {}
        : { totalUnrealizedPnl: built.totalUnrealizedPnl }),
      asOf: now,
    }
    cached = { version, built, snapshot: result }
    return result
  }

  const scheduleStaleCheck = (nextStaleAt: number): void => {
    if (staleTimer !== undefined) clock.clearTimeout(staleTimer.handle)
    staleTimer = undefined
    if (stopped || !Number.isFinite(nextStaleAt)) return
    staleTimer = {
      handle: clock.setTimeout(
        () => {
          staleTimer = undefined
          changed()
        },
        Math.max(0, nextStaleAt - clock.now()),
      ),
    }
  }

  const emit = (): void => {
    if (stopped) return
    const current = snapshot()
    stats.snapshotsEmitted++
    snapshots.emit(current)
    if (bus !== undefined) {
      if (bus.running) {
        bus.publish(bus.createEvent(EventType.PORTFOLIO_UPDATE, current, { source: 'portfolio' }))
      } else {
        logger.debug({}, 'bus not running; portfolio_update not published')
      }
    }
    scheduleStaleCheck(cached?.built.nextStaleAt ?? Infinity)
  }

  const throttler = new Throttle(clock, throttle, emit)

  const changed = (): void => {
    version++
    if (!stopped) throttler.request()
  }

  // Prices from the bus or the feed manager: validated and ordered where their frames entered.
  const apply = (update: PriceUpdate): void => {
    if (stopped) {
      stats.updatesIgnored++
      return
    }
    stats.updatesApplied++
    if (valuation.applyPrice(update)) changed()
  }

  // Prices from a caller: only the shape is the caller's word, so it is checked here.
  const applyPriceUpdate = (update: unknown): void => {
    const problem = invalidUpdate(update)
    if (problem !== undefined) {
      stats.updatesIgnored++
      logger.debug({ problem }, 'portfolio ignored a malformed price update')
      return
    }
    apply(update as PriceUpdate)
  }

  const attach = (source: PriceSource): (() => void) => {
    if (stopped)
      throw new PortfolioError('invalid-state', 'this monitor was stopped; create a new one')
    return attachSource(
      source,
      {
        prefix: 'portfolio',
        onPrice: apply,
        onUncheckedPrice: applyPriceUpdate,
        onError: (error) => {
          logger.warn(
            { err: error },
            'price source attached to the portfolio failed; it delivers no more',
          )
        },
      },
      stopping,
    )
  }

  return {
    addHolding(symbol, amount, holdingOptions = {}) {
      const normalized = toSymbol(symbol)
      const exactAmount = toDecimal(amount, 'amount', 'positive', 'addHolding("BTC", "0.5")')
      const costBasis =
        holdingOptions.costBasis === undefined
          ? undefined
          : toDecimal(
              holdingOptions.costBasis,
              'costBasis',
              'non-negative',
              'addHolding("BTC", "0.5", { costBasis: "42000" })',
            )
      valuation.setHolding(normalized, exactAmount, costBasis)
      changed()
    },
    removeHolding(symbol) {
      let normalized: string
      try {
        normalized = toSymbol(symbol)
      } catch {
        return false
      }
      const removed = valuation.removeHolding(normalized)
      if (removed) changed()
      return removed
    },
    getHoldings() {
      return valuation.holdings().map((holding) => ({
        symbol: holding.symbol,
        amount: new Decimal(holding.amount),
        ...(holding.costBasis === undefined ? {} : { costBasis: new Decimal(holding.costBasis) }),
      }))
    },
    applyPriceUpdate,
    attach,
    async startMonitoring(monitoringOptions = {}) {
      if (stopped)
        throw new PortfolioError('invalid-state', 'this monitor was stopped; create a new one')
      if (monitoring) {
        throw new PortfolioError(
          'invalid-state',
          'startMonitoring() was already called; stop() this monitor first or create another',
        )
      }
      monitoring = true
      let started: MonitorFeed
      try {
        started = await startFeed(monitoringOptions, {
          symbols: valuation.symbols(),
          bus,
          clock,
          logger,
          onPrice: apply,
        })
      } catch (error) {
        monitoring = false
        throw error
      }
      // stop() ran while the feed was starting: it must not outlive the monitor.
      if (isStopped()) await started.stop()
      else feed = started
    },
    async stop() {
      if (stopped) return
      stopped = true
      throttler.cancel()
      if (staleTimer !== undefined) clock.clearTimeout(staleTimer.handle)
      staleTimer = undefined
      stopping.emit(undefined)
      snapshots.complete()
      const owned = feed
      feed = undefined
      if (owned !== undefined) await owned.stop()
    },
    getFeedManager() {
      return feed?.manager
    },
    getSnapshot: snapshot,
    onSnapshot: (handler) => snapshots.on(handler),
    // A subscriber that comes after stop() is completed at once, as a completed Subject does.
    snapshots$: defer(() => (stopped ? EMPTY : snapshots.observable())),
    getStats() {
      return { ...stats }
    },
  }
}
