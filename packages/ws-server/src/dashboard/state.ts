// The dashboard's model: what the server has told us, and where each room's stream stands.
// Messages change it here and nowhere else; the panels read it and paint. No DOM.
//
// - Each price keeps its exact text; the sparkline keeps the last SPARK_POINTS prices as numbers
//   (a picture, where float rounding cannot show).
// - An alert is shown once, however often a resume replays it (keyed by id and firing time).
// - Each room remembers the last `seq` it saw, and a reconnect joins it again with `since` that
//   seq; on the first load `prices` asks from seq 0 so a young server's history fills the
//   sparklines, and the other rooms ask for their latest state.

import { decimalsOf } from './format.js'
import type { Sign } from './format.js'
import { SPARK_POINTS } from './sparkline.js'
import { ROOMS, decodeAlert, decodeFeedStatus, decodePortfolio, decodePriceUpdate } from './wire.js'
import type {
  AlertFired,
  FeedDetail,
  FeedStatus,
  JoinRoom,
  PortfolioSnapshot,
  PriceUpdate,
  Room,
  ServerMessage,
  StatusDocument,
} from './wire.js'

/** A price row: the last update of its symbol, and when it came. */
export interface PriceRow extends PriceUpdate {
  /** When the last update arrived (ms since the epoch, the page's clock). */
  readonly receivedAt: number
  /** The last prices, oldest first, for the sparkline. */
  readonly points: readonly number[]
  /** Whether the last update moved the price up (1), down (-1) or not (0). */
  readonly direction: Sign
  /**
   * The most decimals this symbol's price has had: the wire drops trailing zeros
   * (50000.10 → 50000.1), so the column pads to this to stay aligned.
   */
  readonly decimals: number
}

export const SORT_KEYS = ['symbol', 'price', 'change', 'percent', 'volume'] as const
export type SortKey = (typeof SORT_KEYS)[number]

export interface SortOrder {
  readonly key: SortKey
  readonly descending: boolean
}

export function isSortKey(value: string | undefined): value is SortKey {
  return (SORT_KEYS as readonly (string | undefined)[]).includes(value)
}

/** What a message changed, for the panel that shows it; undefined when nothing did. */
export type Change =
  | { readonly kind: 'price'; readonly row: PriceRow; readonly added: boolean }
  | { readonly kind: 'portfolio'; readonly portfolio: PortfolioSnapshot }
  | { readonly kind: 'alert'; readonly alert: AlertFired }
  | { readonly kind: 'feed'; readonly status: FeedStatus }
  | { readonly kind: 'server-error'; readonly data: unknown }

export interface DashboardState {
  readonly prices: ReadonlyMap<string, PriceRow>
  readonly portfolio: PortfolioSnapshot | undefined
  /** Live `feed_status` per provider. */
  readonly feeds: ReadonlyMap<string, FeedStatus>
  /** The feeds of the last `/status`, per provider. */
  readonly feedDetails: ReadonlyMap<string, FeedDetail>
  /** How many distinct alerts have fired. */
  readonly alertCount: number
  readonly lastSeq: Readonly<Partial<Record<Room, number>>>
  readonly sort: SortOrder
  /** Applies a server message received at `now` (ms since the epoch). */
  apply(message: ServerMessage, now: number): Change | undefined
  applyStatus(status: StatusDocument): void
  /** A click on a column: the same column flips the order; a new one starts descending, but symbol ascending. */
  sortBy(key: SortKey): SortOrder
  /** The rows in the current sort order. */
  orderedRows(): PriceRow[]
  /** The `join_room` messages that (re)join every room where its stream left off. */
  joins(): JoinRoom[]
}

type MutablePriceRow = { -readonly [K in keyof PriceRow]: PriceRow[K] } & { points: number[] }

const ROOM_OF: Readonly<Record<string, Room>> = {
  price_update: 'prices',
  portfolio_update: 'portfolio',
  alert_triggered: 'alerts',
  feed_status: 'status',
}

export function createDashboardState(): DashboardState {
  const prices = new Map<string, MutablePriceRow>()
  const feeds = new Map<string, FeedStatus>()
  const feedDetails = new Map<string, FeedDetail>()
  const seenAlerts = new Set<string>()
  const lastSeq: Partial<Record<Room, number>> = {}
  let portfolio: PortfolioSnapshot | undefined
  let alertCount = 0
  let sort: SortOrder = { key: 'symbol', descending: false }

  function applyPrice(data: unknown, now: number): Change {
    const update = decodePriceUpdate(data)
    let row = prices.get(update.symbol)
    const added = row === undefined
    if (row === undefined) {
      row = {
        symbol: update.symbol,
        price: '',
        change: '0',
        percent: '0',
        volume: '0',
        source: '',
        exchangeTime: '',
        receivedAt: 0,
        points: [],
        direction: 0,
        decimals: 0,
      }
      prices.set(update.symbol, row)
    }
    const previous = row.price === '' ? NaN : Number(row.price)
    const value = Number(update.price)
    row.price = update.price
    row.decimals = Math.max(row.decimals, decimalsOf(update.price))
    row.change = update.change
    row.percent = update.percent
    row.volume = update.volume
    row.source = update.source
    row.exchangeTime = update.exchangeTime
    row.receivedAt = now
    row.direction = Number.isNaN(previous) || value === previous ? 0 : value > previous ? 1 : -1
    row.points.push(value)
    if (row.points.length > SPARK_POINTS) row.points.splice(0, row.points.length - SPARK_POINTS)
    return { kind: 'price', row, added }
  }

  function applyAlert(data: unknown): Change | undefined {
    const alert = decodeAlert(data)
    const key = `${alert.id}|${alert.triggeredAt}`
    if (seenAlerts.has(key)) return undefined
    seenAlerts.add(key)
    alertCount++
    return { kind: 'alert', alert }
  }

  function sortValue(row: PriceRow): number | string {
    switch (sort.key) {
      case 'price':
        return Number(row.price)
      case 'change':
        return Number(row.change)
      case 'percent':
        return Number(row.percent)
      case 'volume':
        // Base-asset volumes of different coins only compare in quote currency.
        return Number(row.volume) * Number(row.price)
      case 'symbol':
        return row.symbol
    }
  }

  return {
    prices,
    feeds,
    feedDetails,
    lastSeq,
    get portfolio() {
      return portfolio
    },
    get alertCount() {
      return alertCount
    },
    get sort() {
      return sort
    },
    apply(message, now) {
      const room = ROOM_OF[message.type]
      if (room !== undefined && message.seq !== undefined) lastSeq[room] = message.seq
      switch (message.type) {
        case 'price_update':
          return applyPrice(message.data, now)
        case 'portfolio_update':
          portfolio = decodePortfolio(message.data)
          return { kind: 'portfolio', portfolio }
        case 'alert_triggered':
          return applyAlert(message.data)
        case 'feed_status': {
          const status = decodeFeedStatus(message.data)
          feeds.set(status.provider, status)
          return { kind: 'feed', status }
        }
        case 'error':
          return { kind: 'server-error', data: message.data }
        default:
          return undefined
      }
    },
    applyStatus(status) {
      feedDetails.clear()
      for (const feed of status.feeds) feedDetails.set(feed.provider, feed)
    },
    sortBy(key) {
      sort = { key, descending: sort.key === key ? !sort.descending : key !== 'symbol' }
      return sort
    },
    orderedRows() {
      return [...prices.values()].sort((a, b) => {
        const left = sortValue(a)
        const right = sortValue(b)
        const order = left < right ? -1 : left > right ? 1 : 0
        return sort.descending ? -order : order
      })
    },
    joins() {
      return ROOMS.map((room) => {
        const since = lastSeq[room] ?? (room === 'prices' ? 0 : undefined)
        return since === undefined
          ? { type: 'join_room', room }
          : { type: 'join_room', room, since }
      })
    },
  }
}
