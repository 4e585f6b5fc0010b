import { EventType } from './model.js'
import type { AnyStreamEvent, EventDataMap } from './model.js'
import type { ChannelName } from './rooms.js'
import {
  encodeAlertData,
  encodeFeedStatusData,
  encodePortfolioData,
  encodePriceData,
} from './wire.js'

/**
 * One room a channel message goes to, and the key that the room's latest state and a slow
 * client's conflation keep one of: a newer message with the same key replaces the older one.
 * `undefined`: the message is an event of its own that nothing replaces (an alert firing).
 */
export interface Route {
  readonly room: string
  readonly key: string | undefined
}

/** A bus event made ready for the rooms: its wire `type`, its `data` encoded once, where it goes. */
export interface ChannelMessage {
  readonly channel: ChannelName
  /** The wire message `type` (`price_update`, ...). */
  readonly type: EventType
  /** The wire `data` object as JSON text, exact decimals; the same for every room it goes to. */
  readonly data: string
  readonly routes: readonly Route[]
}

interface Channel<K extends EventType> {
  readonly name: ChannelName
  readonly type: K
  readonly encodeData: (data: EventDataMap[K]) => string
  readonly routes: (data: EventDataMap[K]) => readonly Route[]
}

const price: Channel<'price_update'> = {
  name: 'price',
  type: EventType.PRICE_UPDATE,
  encodeData: encodePriceData,
  // `prices` keeps the newest update of every symbol; `prices:<SYMBOL>` only ever has one.
  routes: (update) => [
    { room: 'prices', key: update.symbol },
    { room: `prices:${update.symbol}`, key: '' },
  ],
}

const portfolio: Channel<'portfolio_update'> = {
  name: 'portfolio',
  type: EventType.PORTFOLIO_UPDATE,
  encodeData: encodePortfolioData,
  routes: () => [{ room: 'portfolio', key: '' }],
}

const alert: Channel<'alert_triggered'> = {
  name: 'alert',
  type: EventType.ALERT_TRIGGERED,
  encodeData: encodeAlertData,
  routes: () => [{ room: 'alerts', key: undefined }],
}

const status: Channel<'feed_status'> = {
  name: 'status',
  type: EventType.FEED_STATUS,
  encodeData: encodeFeedStatusData,
  routes: (feed) => [{ room: 'status', key: feed.provider }],
}

/** The bus event types that go to rooms, one channel each. */
export const CHANNEL_EVENT_TYPES: readonly EventType[] = [
  price.type,
  portfolio.type,
  alert.type,
  status.type,
]

function make<K extends EventType>(channel: Channel<K>, data: EventDataMap[K]): ChannelMessage {
  return {
    channel: channel.name,
    type: channel.type,
    data: channel.encodeData(data),
    routes: channel.routes(data),
  }
}

/**
 * The channel message of a bus event, `undefined` for events that no room carries (`error`).
 * Throws what the encoder throws on data that breaks its type (the caller counts and skips it).
 */
export function channelMessage(event: AnyStreamEvent): ChannelMessage | undefined {
  switch (event.type) {
    case EventType.PRICE_UPDATE:
      return make(price, event.data)
    case EventType.PORTFOLIO_UPDATE:
      return make(portfolio, event.data)
    case EventType.ALERT_TRIGGERED:
      return make(alert, event.data)
    case EventType.FEED_STATUS:
      return make(status, event.data)
    default:
      return undefined
  }
}
