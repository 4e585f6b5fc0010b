/** The channels of the wire: each carries one kind of server message to its rooms. */
export type ChannelName = 'price' | 'portfolio' | 'alert' | 'status'

/** The room kinds: `prices` (and `prices:<SYMBOL>`), `portfolio`, `alerts`, `status`. */
export type RoomKind = 'prices' | 'portfolio' | 'alerts' | 'status'

/** A family of wire rooms: one fixed room, or one room per streamed symbol. */
export interface RoomFamily {
  readonly kind: RoomKind
  /** One room per streamed symbol, named `<kind>:<SYMBOL>` (`prices:BTC`). */
  readonly perSymbol: boolean
  /** The channel whose messages these rooms carry. */
  readonly channel: ChannelName
  /** History kept for `since` replay: the server's room history size, or its per-symbol one. */
  readonly history: 'room' | 'symbol'
  /**
   * The room's latest state, what a joining client gets at once: the newest message of each key
   * (`each-key`; see the channel's routes), or the newest messages up to the server's snapshot
   * size (`recent`: events, each its own key, none replacing another).
   */
  readonly latest: 'each-key' | 'recent'
}

/** Every room family of the contract. A room name no family matches is `unknown_room`. */
export const ROOM_FAMILIES: readonly RoomFamily[] = [
  { kind: 'prices', perSymbol: false, channel: 'price', history: 'room', latest: 'each-key' },
  { kind: 'prices', perSymbol: true, channel: 'price', history: 'symbol', latest: 'each-key' },
  {
    kind: 'portfolio',
    perSymbol: false,
    channel: 'portfolio',
    history: 'room',
    latest: 'each-key',
  },
  { kind: 'alerts', perSymbol: false, channel: 'alert', history: 'room', latest: 'recent' },
  { kind: 'status', perSymbol: false, channel: 'status', history: 'room', latest: 'each-key' },
]

/** The wire name of a family's room: `prices`, or `prices:BTC` for a per-symbol family. */
export function roomName(family: RoomFamily, symbol?: string): string {
  return family.perSymbol ? `${family.kind}:${symbol ?? ''}` : family.kind
}

/** The room names as a user reads them in an error: `prices, prices:<SYMBOL>, portfolio, ...`. */
export const ROOM_NAMES_TEXT: string = ROOM_FAMILIES.map((family) =>
  family.perSymbol ? `${family.kind}:<SYMBOL>` : family.kind,
).join(', ')
