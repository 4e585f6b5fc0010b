import type {
  Clock,
  FeedState,
  FeedStatus,
  Logger,
  PriceUpdate,
  ProviderName,
  TimerHandle,
} from '@crypto-analyzer/core-events'
import { goesBack, isBehind } from './ordering.js'
import type { OrderMark } from './ordering.js'
import type { LinkState } from './provider.js'

/** How one provider stands for one symbol right now. */
export type Health =
  /** Connected and delivered the symbol within `staleAfter`. */
  | 'live'
  /** Just (re)connected or starting: no update yet, still within `staleAfter` of that moment. */
  | 'pending'
  /** Connected, but no update for the symbol within `staleAfter`. */
  | 'stale'
  /** Not connected. */
  | 'down'
  /** Does not list the symbol, or the exchange rejected it. */
  | 'unavailable'

const isHealthy = (health: Health): boolean => health === 'live' || health === 'pending'

interface Track {
  /** When the last update for this symbol arrived (router clock). */
  lastAt: number | undefined
  /** Order of the last accepted update (ordering rule 2). */
  last: OrderMark | undefined
  /** Start of the current run of updates without a gap longer than `staleAfter`. */
  liveSince: number | undefined
  latest: PriceUpdate | undefined
}

interface ProviderEntry {
  readonly name: ProviderName
  readonly symbols: ReadonlySet<string>
  readonly rejected: Set<string>
  readonly tracks: Map<string, Track>
  state: LinkState
  everConnected: boolean
  connectedAt: number | undefined
  lastReported: FeedState | undefined
  outOfOrder: number
}

interface SymbolEntry {
  readonly symbol: string
  servedBy: ProviderName | undefined
  lastEmittedAt: number | undefined
  lastEmittedReceivedAt: number | undefined
  /** Event time of the last update emitted, from whichever provider (ordering rule 3). */
  lastEmittedTimestamp: number | undefined
  stale: boolean
}

export interface RouterSymbolStatus {
  readonly symbol: string
  readonly primary: ProviderName
  readonly servedBy: ProviderName | undefined
  readonly lastUpdateAt: number | undefined
  readonly stale: boolean
}

export interface RouterOptions {
  /** Providers in priority order: the primary first, then fallbacks in the order they were added. */
  readonly providers: readonly {
    readonly name: ProviderName
    readonly symbols: readonly string[]
  }[]
  readonly clock: Clock
  readonly logger: Logger
  readonly staleAfter: number
  readonly failbackAfter: number
  readonly emit: (update: PriceUpdate) => void
  readonly status: (status: FeedStatus) => void
}

export type OfferResult = 'emitted' | 'standby' | 'out-of-order' | 'unknown'

interface Move {
  readonly from: ProviderName | undefined
  readonly to: ProviderName
  readonly symbol: string
  readonly why: string
}

/**
 * Decides, per symbol, which provider serves it, and lets through only that provider's updates.
 *
 * - The primary serves a symbol while it is healthy (live, or pending right after a connect).
 * - When it is down, stale or lacks the symbol, the first live fallback (else the first pending
 *   one) takes over at once, with a `failed_over` status naming it.
 * - The symbol moves back only after the primary delivered it without a gap for
 *   `failbackAfter`: a primary that blinks never pulls it back and forth (no flapping).
 * - The switch is synchronous, so exactly one provider's updates go out at any moment.
 *
 * Ordering rules 2 and 3 of `ordering.ts` are applied here, in `offer` and `deliver`.
 */
export class FeedRouter {
  private readonly clock: Clock
  private readonly logger: Logger
  private readonly staleAfter: number
  private readonly failbackAfter: number
  private readonly emit: (update: PriceUpdate) => void
  private readonly status: (status: FeedStatus) => void
  private readonly providers = new Map<ProviderName, ProviderEntry>()
  private readonly order: ProviderName[]
  private readonly primary: ProviderName
  private readonly symbols = new Map<string, SymbolEntry>()
  private timer: TimerHandle = undefined
  private startedAt = 0
  private running = false

  constructor(options: RouterOptions) {
    this.clock = options.clock
    this.logger = options.logger
    this.staleAfter = options.staleAfter
    this.failbackAfter = options.failbackAfter
    this.emit = options.emit
    this.status = options.status
    this.order = options.providers.map((provider) => provider.name)
    const primary = this.order[0]
    if (primary === undefined) throw new Error('router needs at least one provider')
    this.primary = primary
    for (const provider of options.providers) {
      this.providers.set(provider.name, {
        name: provider.name,
        symbols: new Set(provider.symbols),
        rejected: new Set(),
        tracks: new Map(),
        state: 'idle',
        everConnected: false,
        connectedAt: undefined,
        lastReported: undefined,
        outOfOrder: 0,
      })
      for (const symbol of provider.symbols) {
        if (!this.symbols.has(symbol)) {
          this.symbols.set(symbol, {
            symbol,
            servedBy: undefined,
            lastEmittedAt: undefined,
            lastEmittedReceivedAt: undefined,
            lastEmittedTimestamp: undefined,
            stale: false,
          })
        }
      }
    }
  }

  /** How often health is re-evaluated without any event. */
  get checkInterval(): number {
    return Math.max(
      10,
      Math.min(1000, Math.floor(Math.min(this.staleAfter, this.failbackAfter) / 4)),
    )
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.startedAt = this.clock.now()
    const primary = this.entry(this.primary)
    for (const symbol of this.symbols.values()) {
      if (primary.symbols.has(symbol.symbol)) symbol.servedBy = this.primary
    }
    this.timer = this.clock.setInterval(() => {
      this.evaluateAll()
    }, this.checkInterval)
    this.evaluateAll()
  }

  stop(): void {
    this.running = false
    if (this.timer !== undefined) this.clock.clearInterval(this.timer)
    this.timer = undefined
  }

  /** A provider's connection changed state. */
  setState(name: ProviderName, state: LinkState, reason: string, retryInMs?: number): void {
    const provider = this.providers.get(name)
    if (provider === undefined) return
    const previous = provider.state
    provider.state = state
    const now = this.clock.now()
    if (state === 'connected' && previous !== 'connected') {
      provider.everConnected = true
      provider.connectedAt = now
      // A venue's sequence is compared within one connection only.
      for (const track of provider.tracks.values()) {
        if (track.last !== undefined)
          track.last = { timestamp: track.last.timestamp, sequence: undefined }
      }
    }
    if (state !== 'connected') {
      for (const track of provider.tracks.values()) track.liveSince = undefined
    }
    this.report(provider, reason, retryInMs)
    if (this.running) this.evaluateAll()
  }

  /** The exchange refused a symbol: it is unavailable on that provider from now on. */
  reject(name: ProviderName, symbol: string): void {
    const provider = this.providers.get(name)
    if (provider === undefined || provider.rejected.has(symbol)) return
    provider.rejected.add(symbol)
    if (this.running) this.evaluateAll()
  }

  /**
   * Offers one normalized update (with its venue sequence, if any); only the serving provider's
   * updates are emitted.
   */
  offer(update: PriceUpdate, sequence?: number): OfferResult {
    const provider = this.providers.get(update.source)
    const symbol = this.symbols.get(update.symbol)
    if (provider === undefined || symbol === undefined || !provider.symbols.has(update.symbol)) {
      return 'unknown'
    }
    const track = this.track(provider, update.symbol)
    if (isBehind(track.last, update.timestamp, sequence)) {
      provider.outOfOrder++
      this.logger.debug(
        { provider: provider.name, symbol: update.symbol, timestamp: update.timestamp, sequence },
        'discarded an update not after the last one accepted',
      )
      return 'out-of-order'
    }
    const now = this.clock.now()
    if (track.lastAt === undefined || now - track.lastAt > this.staleAfter) track.liveSince = now
    track.liveSince ??= now
    track.lastAt = now
    track.last = { timestamp: update.timestamp, sequence }
    track.latest = update
    if (!this.running) return 'standby'
    if (symbol.servedBy === provider.name) {
      return this.deliver(symbol, update, now) ? 'emitted' : 'out-of-order'
    }
    // This provider may just have become the better choice (first data, or failback due).
    const before = symbol.lastEmittedAt
    const move = this.decide(symbol, now)
    if (move !== undefined) this.apply([move], now)
    return symbol.servedBy === provider.name && symbol.lastEmittedAt !== before
      ? 'emitted'
      : 'standby'
  }

  /** Re-checks every symbol; runs on a timer and after every state change. */
  evaluateAll(): void {
    if (!this.running) return
    const now = this.clock.now()
    const moves: Move[] = []
    for (const symbol of this.symbols.values()) {
      for (const entry of this.providers.values()) {
        const track = entry.tracks.get(symbol.symbol)
        if (track !== undefined && this.health(entry, symbol.symbol, now) !== 'live') {
          track.liveSince = undefined
        }
      }
      const move = this.decide(symbol, now)
      if (move !== undefined) moves.push(move)
    }
    this.apply(moves, now)
    this.checkStale(now)
  }

  /** How `name` stands for `symbol` now. */
  healthOf(name: ProviderName, symbol: string): Health {
    const entry = this.providers.get(name)
    return entry === undefined ? 'unavailable' : this.health(entry, symbol, this.clock.now())
  }

  private health(entry: ProviderEntry, symbol: string, now: number): Health {
    if (!entry.symbols.has(symbol) || entry.rejected.has(symbol)) return 'unavailable'
    if (entry.state !== 'connected') {
      const starting =
        (entry.state === 'idle' || entry.state === 'connecting') && !entry.everConnected
      return starting && now - this.startedAt < this.staleAfter ? 'pending' : 'down'
    }
    const lastAt = entry.tracks.get(symbol)?.lastAt
    if (lastAt !== undefined && now - lastAt <= this.staleAfter) return 'live'
    const since = entry.connectedAt ?? this.startedAt
    return now - since < this.staleAfter ? 'pending' : 'stale'
  }

  /** The wire state of a provider: its connection state, `failed_over` while it lost symbols. */
  feedState(name: ProviderName): FeedState {
    const entry = this.providers.get(name)
    if (entry === undefined) return 'stopped'
    return this.mapState(entry)
  }

  outOfOrder(name: ProviderName): number {
    return this.providers.get(name)?.outOfOrder ?? 0
  }

  unavailableSymbols(name: ProviderName): string[] {
    return [...(this.providers.get(name)?.rejected ?? [])]
  }

  symbolStatus(): RouterSymbolStatus[] {
    const now = this.clock.now()
    return [...this.symbols.values()].map((symbol) => ({
      symbol: symbol.symbol,
      primary: this.primary,
      servedBy: symbol.servedBy,
      lastUpdateAt: symbol.lastEmittedAt,
      stale: this.running ? this.isStale(symbol, now) : symbol.stale,
    }))
  }

  private entry(name: ProviderName): ProviderEntry {
    const entry = this.providers.get(name)
    if (entry === undefined) throw new Error(`unknown provider ${name}`)
    return entry
  }

  private track(provider: ProviderEntry, symbol: string): Track {
    let track = provider.tracks.get(symbol)
    if (track === undefined) {
      track = {
        lastAt: undefined,
        last: undefined,
        liveSince: undefined,
        latest: undefined,
      }
      provider.tracks.set(symbol, track)
    }
    return track
  }

  private describe(name: ProviderName, symbol: string, health: Health): string {
    const entry = this.entry(name)
    switch (health) {
      case 'unavailable':
        return entry.rejected.has(symbol)
          ? `${name} rejected ${symbol}`
          : `${name} does not list ${symbol}`
      case 'down':
        return `${name} is ${entry.state}`
      case 'stale':
        return `no ${symbol} update from ${name} for ${this.staleAfter} ms`
      default:
        return `${name} is ${health}`
    }
  }

  /** The first live fallback, else (unless `onlyLive`) the first pending one. */
  private pickFallback(
    symbol: string,
    exclude: ProviderName,
    now: number,
    onlyLive = false,
  ): ProviderName | undefined {
    let pending: ProviderName | undefined
    for (const name of this.order) {
      if (name === this.primary || name === exclude) continue
      const health = this.health(this.entry(name), symbol, now)
      if (health === 'live') return name
      if (health === 'pending') pending ??= name
    }
    return onlyLive ? undefined : pending
  }

  private decide(symbol: SymbolEntry, now: number): Move | undefined {
    const current = symbol.servedBy
    const primaryHealth = this.health(this.entry(this.primary), symbol.symbol, now)
    if (current === undefined || current === this.primary) {
      if (current === this.primary && isHealthy(primaryHealth)) return undefined
      if (current === undefined && isHealthy(primaryHealth)) {
        return {
          from: undefined,
          to: this.primary,
          symbol: symbol.symbol,
          why: 'primary available',
        }
      }
      const next = this.pickFallback(symbol.symbol, this.primary, now)
      if (next !== undefined) {
        return {
          from: this.primary,
          to: next,
          symbol: symbol.symbol,
          why: this.describe(this.primary, symbol.symbol, primaryHealth),
        }
      }
      if (current !== undefined && primaryHealth === 'unavailable') {
        symbol.servedBy = undefined
      }
      return undefined
    }
    // Served by a fallback.
    const liveSince = this.entry(this.primary).tracks.get(symbol.symbol)?.liveSince
    if (
      primaryHealth === 'live' &&
      liveSince !== undefined &&
      now - liveSince >= this.failbackAfter
    ) {
      return {
        from: current,
        to: this.primary,
        symbol: symbol.symbol,
        why: `${this.primary} delivered ${symbol.symbol} for ${this.failbackAfter} ms`,
      }
    }
    const currentHealth = this.health(this.entry(current), symbol.symbol, now)
    if (isHealthy(currentHealth)) return undefined
    const why = this.describe(current, symbol.symbol, currentHealth)
    if (primaryHealth === 'live') {
      return { from: current, to: this.primary, symbol: symbol.symbol, why }
    }
    // A fallback that is merely stale is left only for one that has data: moving between
    // providers that both deliver nothing would bounce the symbol on every reconnect.
    const onlyLive = currentHealth === 'stale'
    const next = this.pickFallback(symbol.symbol, current, now, onlyLive)
    if (next !== undefined) return { from: current, to: next, symbol: symbol.symbol, why }
    if (primaryHealth === 'pending' && !onlyLive) {
      return { from: current, to: this.primary, symbol: symbol.symbol, why }
    }
    return undefined
  }

  private apply(list: readonly Move[], now: number): void {
    if (list.length === 0) return
    const groups = new Map<string, Move[]>()
    for (const move of list) {
      const symbol = this.symbols.get(move.symbol)
      if (symbol === undefined) continue
      symbol.servedBy = move.to
      if (move.from === undefined) continue
      const key = `${move.from}>${move.to}>${move.why}`
      const group = groups.get(key)
      if (group === undefined) groups.set(key, [move])
      else group.push(move)
    }
    // Status first, then the new provider's freshest update, so listeners see why a source changed.
    for (const group of groups.values()) {
      const first = group[0]
      if (first === undefined) continue
      const symbols = group.map((move) => move.symbol)
      const list = symbols.join(', ')
      if (first.to === this.primary) {
        this.logger.info({ symbols, provider: first.to }, 'symbols failed back to the primary')
        this.status({
          provider: first.to,
          state: 'connected',
          symbols,
          reason: `${list} back on ${first.to}: ${first.why}`,
        })
      } else {
        this.logger.info({ symbols, from: first.from, to: first.to, why: first.why }, 'failover')
        this.status({
          provider: first.from ?? this.primary,
          state: 'failed_over',
          symbols,
          reason: `${list} now served by ${first.to}: ${first.why}`,
        })
      }
    }
    for (const move of list) {
      const symbol = this.symbols.get(move.symbol)
      const track = this.entry(move.to).tracks.get(move.symbol)
      if (symbol === undefined || track?.latest === undefined || track.lastAt === undefined)
        continue
      const fresh = now - track.lastAt <= this.staleAfter
      const newer =
        symbol.lastEmittedReceivedAt === undefined || track.lastAt > symbol.lastEmittedReceivedAt
      if (fresh && newer) this.deliver(symbol, track.latest, track.lastAt)
    }
    // The moves were reported above with their symbols; only remember the resulting states.
    for (const entry of this.providers.values()) entry.lastReported = this.mapState(entry)
  }

  /** Emits `update` unless the symbol's time would go back (ordering rule 3). */
  private deliver(symbol: SymbolEntry, update: PriceUpdate, receivedAt: number): boolean {
    if (goesBack(symbol.lastEmittedTimestamp, update.timestamp)) {
      const provider = this.providers.get(update.source)
      if (provider !== undefined) provider.outOfOrder++
      this.logger.debug(
        { provider: update.source, symbol: symbol.symbol, timestamp: update.timestamp },
        'discarded an update older than the last one sent for the symbol',
      )
      return false
    }
    symbol.lastEmittedTimestamp = update.timestamp
    const now = this.clock.now()
    symbol.lastEmittedAt = now
    symbol.lastEmittedReceivedAt = receivedAt
    if (symbol.stale) {
      symbol.stale = false
      this.status({
        provider: update.source,
        state: this.mapState(this.entry(update.source)),
        symbols: [symbol.symbol],
        reason: `${symbol.symbol} updates resumed from ${update.source}`,
      })
    }
    this.emit(update)
    return true
  }

  private isStale(symbol: SymbolEntry, now: number): boolean {
    return now - (symbol.lastEmittedAt ?? this.startedAt) > this.staleAfter
  }

  private checkStale(now: number): void {
    const fresh = new Map<ProviderName, string[]>()
    for (const symbol of this.symbols.values()) {
      if (symbol.stale || !this.isStale(symbol, now)) continue
      symbol.stale = true
      const provider = symbol.servedBy ?? this.primary
      const list = fresh.get(provider)
      if (list === undefined) fresh.set(provider, [symbol.symbol])
      else list.push(symbol.symbol)
    }
    for (const [provider, symbols] of fresh) {
      this.status({
        provider,
        state: 'stale',
        symbols,
        reason: `no update for ${symbols.join(', ')} within ${this.staleAfter} ms and no healthy fallback`,
      })
    }
  }

  private mapState(entry: ProviderEntry): FeedState {
    switch (entry.state) {
      case 'idle':
      case 'connecting':
        return 'connecting'
      case 'reconnecting':
        return 'reconnecting'
      case 'stale':
        return 'stale'
      case 'failed':
      case 'stopped':
        return 'stopped'
      case 'connected':
        break
    }
    if (entry.name === this.primary) {
      for (const symbol of entry.symbols) {
        const served = this.symbols.get(symbol)?.servedBy
        if (served !== undefined && served !== entry.name) return 'failed_over'
      }
    }
    return 'connected'
  }

  /** Publishes a provider's state when its wire state changed. */
  private report(entry: ProviderEntry, reason: string, retryInMs?: number): void {
    const state = this.mapState(entry)
    const retry = state === 'reconnecting' ? retryInMs : undefined
    // Each new retry wait is news (a countdown restarts), even within `reconnecting`.
    if (state === entry.lastReported && retry === undefined) return
    entry.lastReported = state
    if (state === 'failed_over') {
      const away = [...entry.symbols].filter((symbol) => {
        const served = this.symbols.get(symbol)?.servedBy
        return served !== undefined && served !== entry.name
      })
      reason = `${reason}; a fallback serves ${away.join(', ')} until ${entry.name} has delivered for ${this.failbackAfter} ms`
    }
    this.status({
      provider: entry.name,
      state,
      symbols: [...entry.symbols],
      reason,
      retryInMs: retry,
    })
  }
}
