import { formatDecimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate, ProviderName } from '@crypto-analyzer/core-events'

/** `stream test --json`, exactly as contract.md spells it. */
export interface TestReport {
  provider: ProviderName
  duration_seconds: number
  ok: boolean
  messages_received: number
  reconnects: number
  dropped_frames: number
  latency_ms: { p50: number | null; p99: number | null }
  symbols: Record<string, SymbolReport>
}

export interface SymbolReport {
  messages: number
  /** The exact decimal text of the last price, `null` when none arrived. */
  last_price: string | null
  /** Milliseconds from the start of the run to the symbol's first update, `null` when none. */
  first_message_ms: number | null
}

/** Counters a feed manager reports for one provider (a subset of price-feeds' ProviderStatus). */
export interface ProviderCounts {
  readonly reconnects: number
  readonly droppedFrames: number
}

/**
 * Tallies what a test run delivered. Latency is how long an update took from the exchange's event
 * time to this process (`receivedAt − timestamp`, never below 0).
 */
export class TestTally {
  readonly #startedAt: number
  readonly #symbols = new Map<string, { messages: number; last: PriceUpdate; firstMs: number }>()
  readonly #latencies: number[] = []
  readonly #order: readonly string[]

  constructor(symbols: readonly string[], startedAt: number) {
    this.#order = symbols
    this.#startedAt = startedAt
  }

  /** Total updates so far. */
  get messages(): number {
    let total = 0
    for (const entry of this.#symbols.values()) total += entry.messages
    return total
  }

  /** Symbols that delivered nothing yet. */
  get silent(): string[] {
    return this.#order.filter((symbol) => !this.#symbols.has(symbol))
  }

  record(update: PriceUpdate, now: number): void {
    const entry = this.#symbols.get(update.symbol)
    if (entry) {
      entry.messages += 1
      entry.last = update
    } else {
      this.#symbols.set(update.symbol, {
        messages: 1,
        last: update,
        firstMs: Math.max(0, now - this.#startedAt),
      })
    }
    this.#latencies.push(Math.max(0, (update.receivedAt ?? now) - update.timestamp))
  }

  report(options: {
    provider: ProviderName
    durationMs: number
    counts: readonly ProviderCounts[]
  }): TestReport {
    const symbols: Record<string, SymbolReport> = {}
    for (const symbol of this.#order) {
      const entry = this.#symbols.get(symbol)
      symbols[symbol] = entry
        ? {
            messages: entry.messages,
            last_price: formatDecimal(entry.last.price),
            first_message_ms: entry.firstMs,
          }
        : { messages: 0, last_price: null, first_message_ms: null }
    }
    const sorted = [...this.#latencies].sort((a, b) => a - b)
    return {
      provider: options.provider,
      duration_seconds: Math.round(options.durationMs) / 1000,
      ok: this.silent.length === 0,
      messages_received: this.messages,
      reconnects: options.counts.reduce((sum, count) => sum + count.reconnects, 0),
      dropped_frames: options.counts.reduce((sum, count) => sum + count.droppedFrames, 0),
      latency_ms: { p50: percentile(sorted, 50), p99: percentile(sorted, 99) },
      symbols,
    }
  }
}

/** Nearest-rank percentile of ascending `sorted`, to 0.1 ms; `null` without samples. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return Math.round((sorted[rank - 1] ?? 0) * 10) / 10
}
