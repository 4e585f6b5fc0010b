import type { IncomingMessage } from 'node:http'
import { FakeExchangeError } from '../errors.js'
import { FakeBase } from './base.js'
import type { BaseOptions } from './base.js'
import type { AcceptResult, Peer } from './core.js'
import { formatFixed, formatTrimmed } from './fixed.js'
import { MarketState, createSpec, formatMicros } from './market.js'
import type { Increments } from './market.js'
import { checkStringList } from './validate.js'

export interface CoinbaseSettings extends BaseOptions {
  products: readonly string[]
  heartbeatInterval: number
  subscribeDeadline: number
  seed: number
  startPrices: ReadonlyMap<string, bigint>
}

/** Real increments of the default products (Coinbase products endpoint). */
const INCREMENTS: Readonly<Record<string, Increments>> = {
  'BTC-USD': { tick: '0.01', lot: '0.00000001' },
  'ETH-USD': { tick: '0.01', lot: '0.00000001' },
  'ADA-USD': { tick: '0.0001', lot: '0.00000001' },
  'DOT-USD': { tick: '0.001', lot: '0.00000001' },
  'LINK-USD': { tick: '0.001', lot: '0.00000001' },
  'SOL-USD': { tick: '0.01', lot: '0.00000001' },
}

type Channel = 'ticker' | 'heartbeat'
const CHANNELS: ReadonlySet<string> = new Set<Channel>(['ticker', 'heartbeat'])
/** Real reply for the book channels since they need authentication (stored Coinbase client comments). */
const AUTH_CHANNELS: ReadonlySet<string> = new Set(['level2', 'level3', 'full'])

interface CoinbasePeer {
  /** Channel → product ids, in the order the channels were first subscribed. */
  channels: Map<Channel, Set<string>>
  /** A subscribe succeeded, so the deadline no longer applies. */
  subscribed: boolean
  deadline: NodeJS.Timeout | undefined
}

interface ChannelRequest {
  name: string
  productIds: string[]
}

export class FakeCoinbaseServer extends FakeBase<CoinbasePeer> {
  private readonly products = new Map<string, MarketState>()
  private readonly settings: CoinbaseSettings
  private rejected = new Set<string>()
  private heartbeatTimer: NodeJS.Timeout | undefined
  private heartbeats = 0

  constructor(settings: CoinbaseSettings) {
    super(settings)
    this.settings = settings
    const now = settings.clock.now()
    for (const id of settings.products) {
      const [base = id, quote = 'USD'] = id.split('-')
      // Coinbase sizes every product in 1e-8 of the base.
      const spec = createSpec(id, base, quote, { known: INCREMENTS[id], lot: 1n })
      this.products.set(id, new MarketState(spec, settings.seed, now, settings.startPrices.get(id)))
    }
  }

  get url(): string {
    return `ws://${this.authority}`
  }

  override async start(): Promise<void> {
    await super.start()
    this.heartbeatTimer = this.every(this.settings.heartbeatInterval, () => {
      this.sendHeartbeats()
    })
  }

  subscriptions(): string[] {
    const all = new Set<string>()
    for (const peer of this.peers) {
      for (const id of peer.state.channels.get('ticker') ?? []) all.add(id)
    }
    return [...all]
  }

  rejectProducts(ids: readonly string[]): void {
    this.rejected = new Set(checkStringList('rejectProducts', ids))
  }

  emitTicker(productId: string, overrides?: Readonly<Record<string, unknown>>): void {
    const market = this.products.get(productId)
    if (market === undefined) {
      throw new FakeExchangeError(
        'not-found',
        `emitTicker('${productId}'): not a listed product; use e.g. 'BTC-USD' and list it in options.products`,
      )
    }
    if (!this.dataFlows) return
    market.step(this.clock.now())
    const payload = renderTicker(market)
    if (overrides !== undefined) {
      for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) Reflect.deleteProperty(payload, key)
        else payload[key] = value
      }
    }
    const text = JSON.stringify(payload)
    for (const peer of this.peers) {
      if (peer.state.channels.get('ticker')?.has(productId) === true) peer.send(text)
    }
  }

  protected onAccept(_request: IncomingMessage): AcceptResult<CoinbasePeer> {
    return { ok: true, state: { channels: new Map(), subscribed: false, deadline: undefined } }
  }

  protected onOpen(peer: Peer<CoinbasePeer>): void {
    const deadline = this.settings.subscribeDeadline
    if (deadline <= 0) return
    peer.state.deadline = setTimeout(() => {
      peer.state.deadline = undefined
      // A stalled server does nothing, not even enforce its deadline.
      if (peer.state.subscribed || this.core.stalled) return
      peer.close(1008, 'subscribe deadline exceeded')
    }, deadline)
    peer.state.deadline.unref()
  }

  protected onMessage(peer: Peer<CoinbasePeer>, text: string): void {
    let request: unknown
    try {
      request = JSON.parse(text)
    } catch {
      this.error(peer, 'Malformed JSON')
      return
    }
    this.requests.push(request)
    const fields =
      typeof request === 'object' && request !== null && !Array.isArray(request)
        ? (request as Record<string, unknown>)
        : {}
    const type = fields['type']
    if (type !== 'subscribe' && type !== 'unsubscribe') {
      this.error(peer, 'Failed to subscribe', 'type has to be either subscribe or unsubscribe')
      return
    }
    const failure = type === 'subscribe' ? 'Failed to subscribe' : 'Failed to unsubscribe'
    const channels = parseChannels(fields)
    if (typeof channels === 'string') {
      this.error(peer, failure, channels)
      return
    }
    if (type === 'subscribe') this.subscribe(peer, channels)
    else this.unsubscribe(peer, channels)
  }

  protected onPong(): void {
    // Coinbase documents no server pings; client pings are answered by the core.
  }

  protected onPeerClosed(peer: Peer<CoinbasePeer>): void {
    if (peer.state.deadline !== undefined) clearTimeout(peer.state.deadline)
    peer.state.deadline = undefined
  }

  protected onTick(): void {
    if (!this.dataFlows) return
    const now = this.clock.now()
    const texts = new Map<string, string>()
    for (const peer of this.peers) {
      for (const id of peer.state.channels.get('ticker') ?? []) {
        let text = texts.get(id)
        if (text === undefined) {
          const market = this.products.get(id)
          if (market === undefined) continue
          market.step(now)
          text = JSON.stringify(renderTicker(market))
          texts.set(id, text)
        }
        peer.send(text)
      }
    }
  }

  protected onStall(): void {
    // Nothing to pause: every timer checks the stall flag itself.
  }

  protected stopTimers(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = undefined
    for (const peer of this.peers) this.onPeerClosed(peer)
  }

  private subscribe(peer: Peer<CoinbasePeer>, requests: ChannelRequest[]): void {
    const state = peer.state
    const added: string[] = []
    const invalid = new Set<string>()
    for (const { name, productIds } of requests) {
      if (!CHANNELS.has(name)) {
        this.error(peer, 'Failed to subscribe', channelReason(name))
        continue
      }
      if (productIds.length === 0) {
        this.error(peer, 'Failed to subscribe', `No product ids provided for ${name}`)
        continue
      }
      const channel = name as Channel
      let set = state.channels.get(channel)
      for (const id of productIds) {
        if (!this.products.has(id) || this.rejected.has(id)) {
          invalid.add(id)
          continue
        }
        if (set === undefined) {
          set = new Set()
          state.channels.set(channel, set)
        }
        if (!set.has(id)) {
          set.add(id)
          if (channel === 'ticker') added.push(id)
        }
      }
    }
    // Like the real feed: one error per bad product, and the valid ones still subscribe.
    for (const id of invalid)
      this.error(peer, 'Failed to subscribe', `${id} is not a valid product`)
    if (this.hasSubscriptions(state)) {
      state.subscribed = true
      if (state.deadline !== undefined) clearTimeout(state.deadline)
      state.deadline = undefined
    }
    this.ack(peer)
    // The first ticker of a product replays its last trade (its time precedes the subscription).
    if (!this.dataFlows) return
    for (const id of added) {
      const market = this.products.get(id)
      if (market !== undefined) peer.send(JSON.stringify(renderTicker(market)))
    }
  }

  private unsubscribe(peer: Peer<CoinbasePeer>, requests: ChannelRequest[]): void {
    const state = peer.state
    for (const { name, productIds } of requests) {
      if (!CHANNELS.has(name)) continue
      const channel = name as Channel
      const set = state.channels.get(channel)
      if (set === undefined) continue
      // No product ids = the whole channel.
      if (productIds.length === 0) set.clear()
      for (const id of productIds) set.delete(id)
      if (set.size === 0) state.channels.delete(channel)
    }
    this.ack(peer)
  }

  private hasSubscriptions(state: CoinbasePeer): boolean {
    for (const set of state.channels.values()) if (set.size > 0) return true
    return false
  }

  private ack(peer: Peer<CoinbasePeer>): void {
    const channels = [...peer.state.channels].map(([name, ids]) => ({
      name,
      product_ids: [...ids],
    }))
    peer.send(JSON.stringify({ type: 'subscriptions', channels }))
  }

  private error(peer: Peer<CoinbasePeer>, message: string, reason?: string): void {
    peer.send(
      JSON.stringify(
        reason === undefined ? { type: 'error', message } : { type: 'error', message, reason },
      ),
    )
  }

  private sendHeartbeats(): void {
    if (this.core.stalled) return
    const now = this.clock.now()
    this.heartbeats++
    const texts = new Map<string, string>()
    for (const peer of this.peers) {
      for (const id of peer.state.channels.get('heartbeat') ?? []) {
        let text = texts.get(id)
        if (text === undefined) {
          const market = this.products.get(id)
          if (market === undefined) continue
          text = JSON.stringify({
            type: 'heartbeat',
            sequence: market.sequence,
            last_trade_id: market.lastTradeId,
            product_id: id,
            time: formatMicros(now * 1000 + ((this.heartbeats * 7919) % 1000)),
          })
          texts.set(id, text)
        }
        peer.send(text)
      }
    }
  }
}

function channelReason(name: string): string {
  if (AUTH_CHANNELS.has(name))
    return 'level2, level3, and full channels now require authentication.'
  return `${name} is not a valid channel`
}

/** `channels` as strings or `{name, product_ids}` objects; root `product_ids` apply to every channel. */
function parseChannels(fields: Record<string, unknown>): ChannelRequest[] | string {
  const root = fields['product_ids']
  if (root !== undefined && !isStringArray(root)) return 'product_ids must be an array of strings'
  const rootIds = root ?? []
  const channels = fields['channels']
  if (!Array.isArray(channels) || channels.length === 0) return 'channels must be a non-empty array'
  const result: ChannelRequest[] = []
  for (const channel of channels as unknown[]) {
    if (typeof channel === 'string') {
      result.push({ name: channel, productIds: [...rootIds] })
      continue
    }
    if (typeof channel !== 'object' || channel === null)
      return 'channels must be strings or objects'
    const { name, product_ids: own } = channel as { name?: unknown; product_ids?: unknown }
    if (typeof name !== 'string') return 'channel objects need a name'
    if (own !== undefined && !isStringArray(own)) return 'product_ids must be an array of strings'
    result.push({ name, productIds: [...new Set([...rootIds, ...(own ?? [])])] })
  }
  return result
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && (value as unknown[]).every((item) => typeof item === 'string')
}

/** One ticker in Coinbase Exchange's exact field order (fixtures/coinbase-exchange-ticker.jsonl line 1). */
function renderTicker(m: MarketState): Record<string, unknown> {
  return {
    type: 'ticker',
    sequence: m.sequence,
    product_id: m.spec.symbol,
    price: formatTrimmed(m.last),
    open_24h: formatTrimmed(m.open),
    volume_24h: formatFixed(m.volume),
    low_24h: formatTrimmed(m.low),
    high_24h: formatTrimmed(m.high),
    volume_30d: formatFixed(m.volume30d),
    best_bid: formatTrimmed(m.bid),
    best_bid_size: formatFixed(m.bidQty),
    best_ask: formatTrimmed(m.ask),
    best_ask_size: formatFixed(m.askQty),
    side: m.side,
    time: formatMicros(m.tradeTimeUs),
    trade_id: m.lastTradeId,
    last_size: formatTrimmed(m.lastQty),
  }
}
