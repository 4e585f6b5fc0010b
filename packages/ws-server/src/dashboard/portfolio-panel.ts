// The portfolio card: total value, its 24h change, and each holding's value and share.

import { byId, h } from './dom.js'
import { arrow, group, money, signOf, signedMoney, signedPercent, toneOf } from './format.js'
import type { Tone } from './format.js'
import type { DashboardState } from './state.js'
import type { PortfolioSnapshot } from './wire.js'
import { paintedOnChange } from './frame.js'
import type { WholePanel } from './frame.js'

export interface HoldingView {
  readonly symbol: string
  readonly stale: boolean
  readonly amount: string
  readonly value: string
  readonly change: string
  readonly tone: Tone
  /** Its share of the total, `59.5%` (clamped to 0–100 %). */
  readonly share: string
}

export type PortfolioView =
  | { readonly empty: true }
  | {
      readonly empty: false
      readonly total: string
      readonly change: string
      readonly tone: Tone
      /** Prices missing or stale, or else how many holdings. */
      readonly note: string
      readonly holdings: readonly HoldingView[]
    }

export function describePortfolio(portfolio: PortfolioSnapshot | undefined): PortfolioView {
  if (portfolio === undefined || portfolio.holdings.length === 0) return { empty: true }
  const sign = signOf(portfolio.totalChange)
  const notes: string[] = []
  if (portfolio.missing.length > 0) notes.push(`no price: ${portfolio.missing.join(', ')}`)
  if (portfolio.stale.length > 0) notes.push(`stale: ${portfolio.stale.join(', ')}`)
  // The share bars are a picture: float division is precise enough for them.
  const total = Number(portfolio.totalValue)
  return {
    empty: false,
    total: money(portfolio.totalValue),
    change: `${arrow(sign)} ${signedMoney(portfolio.totalChange)} (${signedPercent(portfolio.totalChangePercent)}) 24h`,
    tone: toneOf(sign),
    note: notes.length > 0 ? notes.join(' · ') : `${portfolio.holdings.length} holdings`,
    holdings: portfolio.holdings.map((holding) => {
      const value = Number(holding.value)
      const share = total > 0 ? Math.max(0, Math.min(100, (value / total) * 100)) : 0
      return {
        symbol: holding.symbol,
        stale: holding.stale,
        amount: group(holding.amount),
        value: money(holding.value),
        change: signedMoney(holding.change),
        tone: toneOf(signOf(holding.change)),
        share: `${share.toFixed(1)}%`,
      }
    }),
  }
}

export type PortfolioPanel = WholePanel

export function createPortfolioPanel(state: DashboardState, schedule: () => void): PortfolioPanel {
  const totalCard = byId('portfolio-total')
  const totalValue = byId('total-value')
  const totalChange = byId('total-change')
  const table = byId('holdings')
  const rows = byId('holding-rows')
  const empty = byId('portfolio-empty')
  const note = byId('portfolio-note')
  function paint(): void {
    const view = describePortfolio(state.portfolio)
    empty.hidden = !view.empty
    totalCard.hidden = view.empty
    table.hidden = view.empty
    if (view.empty) {
      note.textContent = ''
      return
    }
    totalValue.textContent = view.total
    totalChange.className = `total-change ${view.tone}`
    totalChange.textContent = view.change
    note.textContent = view.note
    const fragment = document.createDocumentFragment()
    for (const holding of view.holdings) {
      const tr = h('tr')
      const name = h('th', 'holding-symbol', holding.symbol)
      name.scope = 'row'
      if (holding.stale) name.append(h('span', 'stale-tag', 'stale'))
      const shareCell = h('td', 'num share')
      const bar = h('span', 'alloc')
      bar.style.setProperty('--share', holding.share)
      bar.setAttribute('aria-hidden', 'true')
      shareCell.append(h('span', '', holding.share), bar)
      tr.append(
        name,
        h('td', 'num', holding.amount),
        h('td', 'num', holding.value),
        h('td', `num ${holding.tone}`, holding.change),
        shareCell,
      )
      fragment.append(tr)
    }
    rows.replaceChildren(fragment)
  }

  return paintedOnChange(paint, schedule)
}
