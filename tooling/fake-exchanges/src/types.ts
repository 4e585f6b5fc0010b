/** Epoch-ms time source for frame timestamps; structurally a subset of core-events' `Clock`. */
export interface FakeClock {
  now(): number
}

/** Options both fakes take. All durations are milliseconds. */
export interface FakeExchangeOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string
  /** Milliseconds between ticker frames per subscribed stream/product (default 1000); 0 = only on `emitTicker()`. */
  tickInterval?: number
  /** Seed of the PRNG behind prices and sizes: same seed, same sequence of frames per market. Default random. */
  seed?: number
  /** Source of timestamps in frames (default `Date.now`). Timers always run on real time. */
  clock?: FakeClock
  /**
   * Starting (24h open) price per native symbol/product as decimal text, e.g. `{ BTCUSDT: '65000.00' }`.
   * Default: a realistic price for known assets (BTC about 65000, ETH about 3200, ...) with a few % of seeded jitter.
   */
  startPrices?: Readonly<Record<string, string>>
}

export interface SendRawOptions {
  /**
   * Frame type. Default: text for a string, binary for a Buffer. `binary: false` sends a Buffer as a
   * TEXT frame byte for byte, which is how to send invalid UTF-8.
   */
  binary?: boolean
}

export interface RestartOptions {
  /** Stay down (port closed, connections refused) this long before listening again (default 0). */
  downtime?: number
}

/** The controls both fakes share. */
export interface FakeExchange {
  /** WebSocket URL to connect to. */
  readonly url: string
  readonly port: number
  /** Currently open WebSocket connections. */
  readonly connectionCount: number
  /** Every client request that parsed as JSON, in arrival order (kept across restarts). */
  readonly requests: readonly unknown[]
  /**
   * Pushes one ticker frame now to the subscribers of `id`, stepping the market once. `overrides`
   * replace fields of the generated payload (a key set to `undefined` removes the field).
   */
  emitTicker(id: string, overrides?: Readonly<Record<string, unknown>>): void
  /** Sends `data` as is to every client (malformed JSON, oversize, binary, invalid UTF-8 ...). */
  sendRaw(data: string | Buffer, options?: SendRawOptions): void
  /** No code: terminate every socket (no close frame, clients see 1006). With a code: close handshake. */
  closeAll(code?: number, reason?: string): void
  /** Keep TCP open but send nothing at all (no data, pings, pongs, replies; new handshakes hang). */
  stall(): void
  /** End a stall: new frames flow again and held handshakes complete. Nothing from the stall is replayed. */
  resume(): void
  /** `true`: keepalive traffic and replies only, no market data. */
  pingOnly(on: boolean): void
  /** Delay every outgoing frame by `ms` (order kept); 0 turns it off. */
  slow(ms: number): void
  /** Change the ticker period now (0 = only on `emitTicker()`). */
  setTickInterval(ms: number): void
  /** Drop every connection and listen again on the SAME port. Settings and market state are kept. */
  restart(options?: RestartOptions): Promise<void>
  /** Drop every connection, stop every timer and free the port. Idempotent. */
  close(): Promise<void>
}
