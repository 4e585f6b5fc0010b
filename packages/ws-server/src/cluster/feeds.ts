import { FEED_STATES, isProviderName } from '@crypto-analyzer/core-events'
import type { FeedState } from '@crypto-analyzer/core-events'
import type { ProviderStatusLike } from '../types.js'

/** The leader's feed status as the other nodes read it from Redis. */
export interface RemoteFeeds {
  readonly providers: ProviderStatusLike[]
  /** Providers (or a whole value) dropped because a field is missing or of the wrong kind. */
  readonly invalid: number
}

const count = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0

const optionalCount = (value: unknown): value is number | null | undefined =>
  value === undefined || value === null || count(value)

const isFeedState = (value: unknown): value is FeedState =>
  typeof value === 'string' && (FEED_STATES as readonly string[]).includes(value)

/** One provider's status, field by field, or `undefined` when any field is off. */
function provider(value: unknown): ProviderStatusLike | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const item = value as Record<string, unknown>
  const name = item['provider']
  const primary = item['primary']
  const symbols = item['symbols']
  const latencyMs = item['latencyMs']
  const lastMessageAt = item['lastMessageAt']
  const staleAfter = item['staleAfter']
  if (
    typeof name !== 'string' ||
    !isProviderName(name) ||
    (primary !== undefined && typeof primary !== 'boolean') ||
    !isFeedState(item['state']) ||
    !Array.isArray(symbols) ||
    !symbols.every((symbol) => typeof symbol === 'string') ||
    !count(item['messagesReceived']) ||
    !count(item['uptimeSeconds']) ||
    !optionalCount(latencyMs) ||
    !count(item['reconnects']) ||
    !count(item['droppedFrames']) ||
    !optionalCount(lastMessageAt) ||
    !count(staleAfter) ||
    staleAfter === 0
  ) {
    return undefined
  }
  return {
    provider: name,
    primary,
    state: item['state'],
    symbols: symbols,
    messagesReceived: item['messagesReceived'],
    uptimeSeconds: item['uptimeSeconds'],
    latencyMs: latencyMs ?? undefined,
    reconnects: item['reconnects'],
    droppedFrames: item['droppedFrames'],
    lastMessageAt: lastMessageAt ?? undefined,
    staleAfter,
  }
}

/**
 * Reads the feeds JSON the leader shares (`''`: none shared). A provider with a field missing or
 * of the wrong kind is dropped and counted; so is a value that is not a JSON list.
 */
export function parseFeeds(json: string): RemoteFeeds {
  if (json === '') return { providers: [], invalid: 0 }
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return { providers: [], invalid: 1 }
  }
  if (!Array.isArray(value)) return { providers: [], invalid: 1 }
  const providers: ProviderStatusLike[] = []
  for (const item of value as unknown[]) {
    const parsed = provider(item)
    if (parsed !== undefined) providers.push(parsed)
  }
  return { providers, invalid: value.length - providers.length }
}
