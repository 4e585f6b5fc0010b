// What the dashboard reads from the server: the wire messages and `/status`, decoded once at the
// edge into typed records, so the rest of the page never handles `unknown`.
//
// Numbers stay exact: the server writes decimals from exact text, and the parser keeps that text
// instead of a float wherever the browser can give it (JSON.parse's source text).

/** The rooms the dashboard joins, and resumes with `since` after a reconnect. */
export const ROOMS = ['prices', 'portfolio', 'alerts', 'status'] as const
export type Room = (typeof ROOMS)[number]

export interface ServerMessage {
  readonly type: string
  readonly seq?: number
  readonly data?: unknown
}

export interface JoinRoom {
  readonly type: 'join_room'
  readonly room: Room
  readonly since?: number
}

export interface PriceUpdate {
  readonly symbol: string
  readonly price: string
  readonly change: string
  readonly percent: string
  readonly volume: string
  readonly source: string
  readonly exchangeTime: string
}

export interface Holding {
  readonly symbol: string
  readonly amount: string
  readonly value: string
  readonly change: string
  readonly stale: boolean
}

export interface PortfolioSnapshot {
  readonly totalValue: string
  readonly totalChange: string
  readonly totalChangePercent: string
  readonly holdings: readonly Holding[]
  readonly missing: readonly string[]
  readonly stale: readonly string[]
}

export interface AlertFired {
  readonly id: string
  readonly symbol: string
  readonly condition: string
  readonly message: string
  readonly price: string
  readonly triggeredAt: string
}

export interface FeedStatus {
  readonly provider: string
  readonly state: string
  readonly symbols: readonly string[]
  readonly reason?: string
}

/** One feed of `/status`: the numbers that the live `feed_status` messages do not carry. */
export interface FeedDetail {
  readonly provider: string
  readonly state: string
  readonly symbols: readonly string[]
  readonly latencyMs?: number
  readonly messagesReceived: number
  readonly reconnects: number
  readonly lastMessageAt?: string
}

export interface StatusDocument {
  readonly version: string
  readonly status: string
  readonly uptimeSeconds: number
  readonly clients: number
  readonly feeds: readonly FeedDetail[]
}

type Reviver = (key: string, value: unknown, context?: { source: string }) => unknown

/**
 * `JSON.parse` with the reviver's third argument (the source text of a number), in Chromium
 * since 114 and Firefox since 135.
 */
const parseJson = JSON.parse as (text: string, reviver: Reviver) => unknown

/** Whether this runtime hands the reviver a number's source text. */
export const readsNumberSource: boolean = (() => {
  let ok = false
  try {
    parseJson('1.10', (_key, value, context) => {
      ok = context?.source === '1.10'
      return value
    })
  } catch {
    ok = false
  }
  return ok
})()

type Fields = Readonly<Record<string, unknown>>

function fields(value: unknown): Fields {
  return typeof value === 'object' && value !== null ? (value as Fields) : {}
}

function texts(value: unknown): readonly string[] {
  return Array.isArray(value) ? value.map(String) : []
}

/**
 * Parses a server message, every number but `seq` as its exact text. Returns undefined for text
 * that is not a JSON object.
 */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let parsed: unknown
  try {
    parsed = parseJson(text, (key, value, context) => {
      if (typeof value !== 'number' || key === 'seq') return value
      return readsNumberSource && context !== undefined ? context.source : String(value)
    })
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const { type, seq, data } = parsed as Fields
  return {
    type: String(type),
    ...(typeof seq === 'number' ? { seq } : {}),
    ...(data === undefined ? {} : { data }),
  }
}

export function decodePriceUpdate(data: unknown): PriceUpdate {
  const f = fields(data)
  return {
    symbol: String(f['symbol']),
    price: String(f['price']),
    change: String(f['change_24h']),
    percent: String(f['change_percent_24h']),
    volume: String(f['volume_24h']),
    source: String(f['source']),
    exchangeTime: String(f['timestamp']),
  }
}

export function decodePortfolio(data: unknown): PortfolioSnapshot {
  const f = fields(data)
  const holdings = Array.isArray(f['holdings']) ? (f['holdings'] as unknown[]) : []
  return {
    totalValue: String(f['total_value']),
    totalChange: String(f['total_change_24h']),
    totalChangePercent: String(f['total_change_percent_24h']),
    holdings: holdings.map((holding) => {
      const h = fields(holding)
      return {
        symbol: String(h['symbol']),
        amount: String(h['amount']),
        value: String(h['value']),
        change: String(h['change_24h']),
        stale: h['stale'] === true,
      }
    }),
    missing: texts(f['missing']),
    stale: texts(f['stale']),
  }
}

export function decodeAlert(data: unknown): AlertFired {
  const f = fields(data)
  const condition = String(f['condition'])
  const message = f['message']
  return {
    id: String(f['id']),
    symbol: String(f['symbol']),
    condition,
    // An alert without its own message shows its condition.
    message: typeof message === 'string' && message !== '' ? message : condition,
    price: String(f['price']),
    triggeredAt: String(f['triggered_at']),
  }
}

export function decodeFeedStatus(data: unknown): FeedStatus {
  const f = fields(data)
  const reason = f['reason']
  return {
    provider: String(f['provider']),
    state: String(f['state']),
    symbols: texts(f['symbols']),
    ...(typeof reason === 'string' ? { reason } : {}),
  }
}

/** Decodes `/status` (parsed by `response.json()`, so its numbers are numbers). */
export function decodeStatus(body: unknown): StatusDocument {
  const f = fields(body)
  const feeds = Array.isArray(f['feeds']) ? (f['feeds'] as unknown[]) : []
  return {
    version: String(f['version']),
    status: String(f['status']),
    uptimeSeconds: Number(f['uptime_seconds']),
    clients: Number(f['clients']),
    feeds: feeds.map((feed) => {
      const d = fields(feed)
      const state = d['state']
      const latency = d['latency_ms']
      const last = d['last_message_at']
      return {
        provider: String(d['provider']),
        state: typeof state === 'string' ? state : 'connecting',
        symbols: texts(d['symbols']),
        ...(latency === null || latency === undefined ? {} : { latencyMs: Number(latency) }),
        messagesReceived: Number(d['messages_received']),
        reconnects: Number(d['reconnects']),
        ...(typeof last === 'string' && last !== '' ? { lastMessageAt: last } : {}),
      }
    }),
  }
}
