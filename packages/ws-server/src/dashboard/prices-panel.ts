// The markets table: one row per symbol with exact prices, 24h change, volume, a sparkline,
// source and age; sortable by the column header buttons.
//
// A row repaints only the cells whose text changed. A numeric sort re-orders at most once a
// second, so rows stay readable while every tick moves them.

import { byId, h, svg } from './dom.js'
import {
  age,
  arrow,
  compact,
  count,
  group,
  hue,
  pad,
  signOf,
  signedPercent,
  toneOf,
  withSign,
} from './format.js'
import { SPARK_HEIGHT, SPARK_WIDTH, sparkLabel, sparkShape } from './sparkline.js'
import { isSortKey } from './state.js'
import type { DashboardState, PriceRow } from './state.js'

/** A price older than this is shown as stale. */
export const STALE_AFTER_MS = 30_000
const RESORT_EVERY_MS = 1000

/** The page title: BTC's price (or the first symbol's), so a background tab still shows it. */
export function pageTitle(state: DashboardState): string {
  const first = state.prices.get('BTC') ?? state.prices.values().next().value
  return first === undefined
    ? 'crypto-analyzer · live markets'
    : `${first.symbol} ${group(first.price)} · crypto-analyzer`
}

interface RowView {
  readonly row: PriceRow
  readonly element: HTMLTableRowElement
  readonly price: HTMLElement
  readonly change: HTMLElement
  readonly percent: HTMLElement
  readonly volume: HTMLElement
  readonly source: HTMLElement
  readonly age: HTMLElement
  readonly spark: SVGSVGElement
  readonly line: SVGPathElement
  readonly area: SVGPathElement
  readonly last: SVGCircleElement
  /** What each cell shows now, so an unchanged value costs no DOM write. */
  readonly painted: Map<string, string>
}

export interface PricesPanel {
  /** The state changed this row; it is painted on the next frame. */
  update(row: PriceRow): void
  /** Paints what changed since the last frame. */
  render(): void
  /** Once a second: ages and staleness. */
  tick(): void
}

export function createPricesPanel(state: DashboardState, schedule: () => void): PricesPanel {
  const body = byId('price-rows')
  const table = byId('price-table')
  const empty = byId('prices-empty')
  const note = byId('markets-note')
  const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)')
  const views = new Map<string, RowView>()
  const dirty = new Set<RowView>()
  let resortNeeded = false
  let lastSortAt = 0
  let sortTimer: ReturnType<typeof setTimeout> | undefined

  function changed(view: RowView, key: string, value: string): boolean {
    if (view.painted.get(key) === value) return false
    view.painted.set(key, value)
    return true
  }

  function add(row: PriceRow): RowView {
    const element = h('tr')
    element.dataset['symbol'] = row.symbol
    const symbolCell = h('th')
    symbolCell.scope = 'row'
    const symbolWrap = h('span', 'symbol-cell')
    const avatar = h('span', 'avatar', row.symbol.slice(0, 1))
    avatar.setAttribute('aria-hidden', 'true')
    avatar.style.background = `hsl(${hue(row.symbol)} 70% 62%)`
    symbolWrap.append(avatar, h('span', '', row.symbol))
    symbolCell.append(symbolWrap)
    const priceCell = h('td', 'num')
    const price = h('span', 'price')
    priceCell.append(price)
    const change = h('td', 'num')
    const percentCell = h('td', 'num')
    const percent = h('span', 'pill flat')
    percentCell.append(percent)
    const volume = h('td', 'num')
    const trendCell = h('td')
    const spark = svg('svg', {
      class: 'spark',
      viewBox: `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`,
      preserveAspectRatio: 'none',
      role: 'img',
    })
    const area = svg('path', { class: 'area', d: '' })
    const line = svg('path', { class: 'line', d: '' })
    const last = svg('circle', { class: 'last', r: '2', cx: '0', cy: '0' })
    spark.append(area, line, last)
    trendCell.append(spark)
    const source = h('td', 'source')
    const ageCell = h('td', 'num age')
    element.append(symbolCell, priceCell, change, percentCell, volume, trendCell, source, ageCell)
    const view: RowView = {
      row,
      element,
      price,
      change,
      percent,
      volume,
      source,
      age: ageCell,
      spark,
      line,
      area,
      last,
      painted: new Map(),
    }
    views.set(row.symbol, view)
    body.append(element)
    resortNeeded = true
    empty.hidden = true
    note.textContent = count(views.size, 'symbol')
    return view
  }

  function paint(view: RowView): void {
    const { row } = view
    if (changed(view, 'price', row.price)) {
      view.price.textContent = group(pad(row.price, row.decimals))
      view.price.title = `Exchange time ${row.exchangeTime}`
      if (row.direction !== 0 && !reducedMotion.matches) flash(view.price, row.direction)
    }
    const sign = signOf(row.change)
    if (changed(view, 'change', row.change)) {
      view.change.textContent = group(withSign(pad(row.change, row.decimals)))
      view.change.className = `num ${toneOf(sign)}`
    }
    if (changed(view, 'percent', row.percent)) {
      const percentSign = signOf(row.percent)
      view.percent.textContent = `${arrow(percentSign)} ${signedPercent(row.percent)}`
      view.percent.className = `pill ${toneOf(percentSign)}`
    }
    if (changed(view, 'volume', row.volume)) {
      view.volume.textContent = compact(row.volume)
      view.volume.title = group(row.volume)
    }
    if (changed(view, 'source', row.source)) view.source.textContent = row.source
    paintAge(view)
    paintSpark(view, sign)
  }

  function paintAge(view: RowView): void {
    const elapsed = Date.now() - view.row.receivedAt
    const text = age(elapsed)
    if (changed(view, 'age', text)) view.age.textContent = text
    const stale = elapsed > STALE_AFTER_MS ? 'stale' : ''
    if (changed(view, 'stale', stale)) view.age.className = `num age ${stale}`
  }

  function paintSpark(view: RowView, sign: number): void {
    const shape = sparkShape(view.row.points, sign)
    if (shape === undefined) return
    view.line.setAttribute('d', shape.line)
    view.area.setAttribute('d', shape.area)
    view.last.setAttribute('cx', shape.lastX)
    view.last.setAttribute('cy', shape.lastY)
    view.spark.setAttribute('class', `spark ${toneOf(shape.trend || sign)}`)
    view.spark.setAttribute(
      'aria-label',
      sparkLabel(view.row.symbol, view.row.points.length, shape.trend),
    )
  }

  function sortRows(): void {
    const wait = RESORT_EVERY_MS - (performance.now() - lastSortAt)
    if (state.sort.key !== 'symbol' && wait > 0) {
      sortTimer ??= setTimeout(() => {
        sortTimer = undefined
        schedule()
      }, wait)
      return
    }
    resortNeeded = false
    lastSortAt = performance.now()
    let previous: Element | null = null
    for (const row of state.orderedRows()) {
      const element = views.get(row.symbol)?.element
      if (element === undefined) continue
      const expected: Element | null =
        previous === null ? body.firstElementChild : previous.nextElementSibling
      if (expected !== element) {
        if (previous === null) body.prepend(element)
        else previous.after(element)
      }
      previous = element
    }
  }

  for (const button of table.querySelectorAll<HTMLButtonElement>('th button[data-sort]')) {
    button.addEventListener('click', () => {
      const key = button.dataset['sort']
      const sort = state.sortBy(isSortKey(key) ? key : 'symbol')
      for (const header of table.querySelectorAll('th')) header.removeAttribute('aria-sort')
      button.parentElement?.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending')
      lastSortAt = 0
      resortNeeded = true
      schedule()
    })
  }

  return {
    update(row) {
      const view = views.get(row.symbol) ?? add(row)
      if (state.sort.key !== 'symbol') resortNeeded = true
      dirty.add(view)
      schedule()
    },
    render() {
      if (resortNeeded) sortRows()
      for (const view of dirty) paint(view)
      dirty.clear()
    },
    tick() {
      for (const view of views.values()) paintAge(view)
    },
  }
}

/** A short green or red flash on a price that moved. */
function flash(element: HTMLElement, direction: number): void {
  element.animate(
    [
      {
        backgroundColor: direction > 0 ? 'rgba(47,212,127,0.22)' : 'rgba(255,97,97,0.22)',
        color: direction > 0 ? '#5ff0a4' : '#ff8a8a',
      },
      { backgroundColor: 'rgba(0,0,0,0)', color: '#e7edf3' },
    ],
    { duration: 700, easing: 'ease-out' },
  )
}
