// The feed health card: each provider's state (from live `feed_status` messages) with the
// numbers only `/status` has (latency, message count, reconnects, last message).

import { byId, h } from './dom.js'
import { age, compact, shortList } from './format.js'
import type { DashboardState } from './state.js'
import type { FeedDetail, FeedStatus } from './wire.js'
import { paintedOnChange } from './frame.js'
import type { WholePanel } from './frame.js'

const STATE_LABELS: Readonly<Record<string, string>> = {
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  stale: 'Stale',
  failed_over: 'Failed over',
  stopped: 'Stopped',
}

export interface FeedView {
  readonly name: string
  readonly state: string
  readonly label: string
  readonly detail: string
}

export interface FeedsView {
  readonly feeds: readonly FeedView[]
  /** `2/3 connected`, or empty without feeds. */
  readonly note: string
}

/** The feeds by name; a live status wins over the last `/status` poll. */
export function describeFeeds(
  live: ReadonlyMap<string, FeedStatus>,
  details: ReadonlyMap<string, FeedDetail>,
  now: number,
): FeedsView {
  const names = [...new Set([...live.keys(), ...details.keys()])].sort()
  let healthy = 0
  const feeds = names.map((name) => {
    const status = live.get(name)
    const detail = details.get(name)
    const state = status?.state ?? detail?.state ?? 'connecting'
    if (state === 'connected') healthy++
    const symbols = status?.symbols ?? detail?.symbols ?? []
    const parts: string[] = []
    if (symbols.length > 0) parts.push(shortList(symbols))
    if (detail !== undefined) {
      if (detail.latencyMs !== undefined) parts.push(`${detail.latencyMs.toFixed(0)} ms`)
      parts.push(`${compact(detail.messagesReceived)} msgs`)
      if (detail.reconnects > 0) parts.push(`${detail.reconnects} reconnects`)
      if (detail.lastMessageAt !== undefined)
        parts.push(`last ${age(now - Date.parse(detail.lastMessageAt))}`)
    }
    if (status?.reason !== undefined && status.reason !== '') parts.push(status.reason)
    return { name, state, label: STATE_LABELS[state] ?? state, detail: parts.join(' · ') }
  })
  return { feeds, note: names.length > 0 ? `${healthy}/${names.length} connected` : '' }
}

export type FeedsPanel = WholePanel

export function createFeedsPanel(state: DashboardState, schedule: () => void): FeedsPanel {
  const list = byId('feeds')
  const empty = byId('feeds-empty')
  const note = byId('feeds-note')
  function paint(): void {
    const view = describeFeeds(state.feeds, state.feedDetails, Date.now())
    empty.hidden = view.feeds.length > 0
    const fragment = document.createDocumentFragment()
    for (const feed of view.feeds) {
      const item = h('li', 'feed')
      const badge = h('span', 'state', feed.label)
      badge.dataset['state'] = feed.state
      item.append(h('span', 'feed-name', feed.name), badge, h('span', 'feed-detail', feed.detail))
      fragment.append(item)
    }
    list.replaceChildren(fragment)
    note.textContent = view.note
  }

  return paintedOnChange(paint, schedule)
}
