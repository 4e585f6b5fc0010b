// @ts-check
// The crypto-analyzer dashboard: one WebSocket, the contract's rooms, rendering batched on
// animation frames so a hundred updates a second cost one DOM pass per frame.

/**
 * @typedef {{ type: string, room?: string, seq?: number, timestamp?: string, data?: any }} ServerMessage
 * @typedef {{
 *   symbol: string, price: string, change: string, percent: string, volume: string,
 *   source: string, exchangeTime: string, receivedAt: number, points: number[],
 *   direction: number, decimals: number, element: HTMLTableRowElement, cells: RowCells, painted: Record<string, string>
 * }} PriceRow
 * @typedef {{
 *   price: HTMLElement, change: HTMLElement, percent: HTMLElement, volume: HTMLElement,
 *   source: HTMLElement, age: HTMLElement, line: SVGPathElement, area: SVGPathElement,
 *   last: SVGCircleElement, spark: SVGSVGElement
 * }} RowCells
 */

const SVG = 'http://www.w3.org/2000/svg'
const SPARK_POINTS = 90
const SPARK_WIDTH = 120
const SPARK_HEIGHT = 30
const STALE_AFTER_MS = 30_000
const MAX_ALERTS = 50

const params = new URLSearchParams(location.search)
const token = params.get('token')
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)')

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`missing #${id}`)
  return element
}

const ui = {
  connection: byId('connection'),
  connectionText: byId('connection-text'),
  reconnectNow: /** @type {HTMLButtonElement} */ (byId('reconnect-now')),
  rate: byId('rate'),
  priceRows: byId('price-rows'),
  pricesEmpty: byId('prices-empty'),
  marketsNote: byId('markets-note'),
  priceTable: byId('price-table'),
  portfolioTotal: byId('portfolio-total'),
  totalValue: byId('total-value'),
  totalChange: byId('total-change'),
  holdings: byId('holdings'),
  holdingRows: byId('holding-rows'),
  portfolioEmpty: byId('portfolio-empty'),
  portfolioNote: byId('portfolio-note'),
  feeds: byId('feeds'),
  feedsEmpty: byId('feeds-empty'),
  feedsNote: byId('feeds-note'),
  alerts: byId('alerts'),
  alertsEmpty: byId('alerts-empty'),
  alertsNote: byId('alerts-note'),
  serverInfo: byId('server-info'),
}

// ---------------------------------------------------------------------------------------------
// Exact numbers: the server writes decimals from exact text; keep that text instead of a float.

/**
 * `JSON.parse` with the reviver's third argument (the source text of a number), in Chromium
 * since 114 and Firefox since 135.
 * @type {(text: string, reviver: (key: string, value: unknown, context?: { source: string }) => unknown) => any}
 */
const parseJson = JSON.parse

const readsSource = (() => {
  let ok = false
  try {
    parseJson('1.10', (_key, value, context) => {
      ok = context !== undefined && context.source === '1.10'
      return value
    })
  } catch {
    ok = false
  }
  return ok
})()

/** @param {string} text @returns {ServerMessage} */
function parseMessage(text) {
  return parseJson(text, (key, value, context) => {
    if (typeof value !== 'number' || key === 'seq') return value
    return readsSource && context !== undefined ? context.source : String(value)
  })
}

/** Groups the integer digits of exact decimal text: `-12345.678` → `-12,345.678`. */
function group(/** @type {string} */ text) {
  const match = /^([-+]?)(\d+)(\.\d+)?$/.exec(text)
  if (match === null) return text
  const [, sign = '', whole = '', fraction = ''] = match
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + fraction
}

/** Rounds exact decimal text half away from zero to `digits` decimals, without floats. */
function roundText(/** @type {string} */ text, /** @type {number} */ digits) {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text)
  if (match === null) return text
  const [, sign = '', whole = '', fraction = ''] = match
  if (fraction.length <= digits)
    return `${sign}${whole}${digits > 0 ? '.' : ''}${fraction.padEnd(digits, '0')}`
  const kept = (whole + fraction.slice(0, digits)).split('').map(Number)
  if (Number(fraction[digits]) >= 5) {
    let index = kept.length - 1
    for (; index >= 0; index--) {
      const digit = /** @type {number} */ (kept[index]) + 1
      if (digit < 10) {
        kept[index] = digit
        break
      }
      kept[index] = 0
    }
    if (index < 0) kept.unshift(1)
  }
  const all = kept.join('')
  const cut = all.length - digits
  const result = digits > 0 ? `${all.slice(0, cut)}.${all.slice(cut)}` : all
  return /^[0.]+$/.test(result) ? result : sign + result
}

const decimalsOf = (/** @type {string} */ text) => {
  const dot = text.indexOf('.')
  return dot < 0 ? 0 : text.length - dot - 1
}

/** Pads exact decimal text with zeros to at least `digits` decimals. */
function pad(/** @type {string} */ text, /** @type {number} */ digits) {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return text
  const missing = digits - decimalsOf(text)
  if (missing <= 0) return text
  return `${text}${text.includes('.') ? '' : '.'}${'0'.repeat(missing)}`
}

const signOf = (/** @type {string} */ text) =>
  text.startsWith('-') ? -1 : /^[0.]+$/.test(text) ? 0 : 1
const withSign = (/** @type {string} */ text) => (signOf(text) > 0 ? `+${text}` : text)
const directionClass = (/** @type {number} */ sign) =>
  sign > 0 ? 'up' : sign < 0 ? 'down' : 'flat'
const arrow = (/** @type {number} */ sign) => (sign > 0 ? '▲' : sign < 0 ? '▼' : '•')

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 })
const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

function age(/** @type {number} */ ms) {
  if (ms < 1500) return 'now'
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${seconds}s ago`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes}m ago`
  return `${Math.round(minutes / 60)}h ago`
}

function hue(/** @type {string} */ text) {
  let hash = 0
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return hash % 360
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {string} [className] @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, className, text) {
  const element = document.createElement(tag)
  if (className !== undefined) element.className = className
  if (text !== undefined) element.textContent = text
  return element
}

/** @param {string} tag @param {Record<string, string>} attributes */
function s(tag, attributes) {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value)
  return element
}

// ---------------------------------------------------------------------------------------------
// Frame scheduling: messages only change the model; the DOM is touched once per frame.

/** @type {Set<PriceRow>} */
const dirtyRows = new Set()
let dirtyPortfolio = false
let dirtyFeeds = false
let resortNeeded = false
let frameRequested = false

function schedule() {
  if (frameRequested) return
  frameRequested = true
  requestAnimationFrame(render)
}

function render() {
  frameRequested = false
  if (resortNeeded) sortRows()
  for (const row of dirtyRows) paintRow(row)
  dirtyRows.clear()
  if (dirtyPortfolio) paintPortfolio()
  if (dirtyFeeds) paintFeeds()
}

// ---------------------------------------------------------------------------------------------
// Prices

/** @type {Map<string, PriceRow>} */
const rows = new Map()
/** @type {{ key: string, descending: boolean }} */
const sort = { key: 'symbol', descending: false }

/** @param {string} symbol @returns {PriceRow} */
function createRow(symbol) {
  const element = h('tr')
  element.dataset['symbol'] = symbol
  const symbolCell = h('th')
  symbolCell.scope = 'row'
  const symbolWrap = h('span', 'symbol-cell')
  const avatar = h('span', 'avatar', symbol.slice(0, 1))
  avatar.setAttribute('aria-hidden', 'true')
  avatar.style.background = `hsl(${hue(symbol)} 70% 62%)`
  symbolWrap.append(avatar, h('span', '', symbol))
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
  const spark = /** @type {SVGSVGElement} */ (
    s('svg', {
      class: 'spark',
      viewBox: `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`,
      preserveAspectRatio: 'none',
      role: 'img',
    })
  )
  const area = /** @type {SVGPathElement} */ (s('path', { class: 'area', d: '' }))
  const line = /** @type {SVGPathElement} */ (s('path', { class: 'line', d: '' }))
  const last = /** @type {SVGCircleElement} */ (
    s('circle', { class: 'last', r: '2', cx: '0', cy: '0' })
  )
  spark.append(area, line, last)
  trendCell.append(spark)
  const source = h('td', 'source')
  const ageCell = h('td', 'num age')
  element.append(symbolCell, priceCell, change, percentCell, volume, trendCell, source, ageCell)
  /** @type {PriceRow} */
  const row = {
    symbol,
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
    element,
    cells: { price, change, percent, volume, source, age: ageCell, line, area, last, spark },
    painted: {},
  }
  rows.set(symbol, row)
  ui.priceRows.append(element)
  resortNeeded = true
  ui.pricesEmpty.hidden = true
  ui.marketsNote.textContent = `${rows.size} ${rows.size === 1 ? 'symbol' : 'symbols'}`
  return row
}

/** @param {any} data */
function onPrice(data) {
  const symbol = String(data.symbol)
  const row = rows.get(symbol) ?? createRow(symbol)
  const previous = row.price === '' ? NaN : Number(row.price)
  row.price = String(data.price)
  // The wire drops trailing zeros (50000.10 → 50000.1); pad to the most decimals seen so the
  // column stays aligned. Still the exact value.
  row.decimals = Math.max(row.decimals, decimalsOf(row.price))
  row.change = String(data.change_24h)
  row.percent = String(data.change_percent_24h)
  row.volume = String(data.volume_24h)
  row.source = String(data.source)
  row.exchangeTime = String(data.timestamp)
  row.receivedAt = Date.now()
  const value = Number(row.price)
  row.direction = Number.isNaN(previous) || value === previous ? 0 : value > previous ? 1 : -1
  row.points.push(value)
  if (row.points.length > SPARK_POINTS) row.points.splice(0, row.points.length - SPARK_POINTS)
  if (sort.key !== 'symbol') resortNeeded = true
  dirtyRows.add(row)
  schedule()
}

/** @param {PriceRow} row @param {string} key @param {string} value */
function changed(row, key, value) {
  if (row.painted[key] === value) return false
  row.painted[key] = value
  return true
}

/** @param {PriceRow} row */
function paintRow(row) {
  const { cells } = row
  if (changed(row, 'price', row.price)) {
    cells.price.textContent = group(pad(row.price, row.decimals))
    cells.price.title = `Exchange time ${row.exchangeTime}`
    if (row.direction !== 0 && !reducedMotion.matches) {
      cells.price.animate(
        [
          {
            backgroundColor: row.direction > 0 ? 'rgba(47,212,127,0.22)' : 'rgba(255,97,97,0.22)',
            color: row.direction > 0 ? '#5ff0a4' : '#ff8a8a',
          },
          { backgroundColor: 'rgba(0,0,0,0)', color: '#e7edf3' },
        ],
        { duration: 700, easing: 'ease-out' },
      )
    }
  }
  const sign = signOf(row.change)
  if (changed(row, 'change', row.change)) {
    cells.change.textContent = group(withSign(pad(row.change, row.decimals)))
    cells.change.className = `num ${directionClass(sign)}`
  }
  if (changed(row, 'percent', row.percent)) {
    const percentSign = signOf(row.percent)
    cells.percent.textContent = `${arrow(percentSign)} ${withSign(roundText(row.percent, 2))}%`
    cells.percent.className = `pill ${directionClass(percentSign)}`
  }
  if (changed(row, 'volume', row.volume)) {
    cells.volume.textContent = compact.format(Number(row.volume))
    cells.volume.title = group(row.volume)
  }
  if (changed(row, 'source', row.source)) cells.source.textContent = row.source
  paintAge(row)
  paintSpark(row, sign)
}

/** @param {PriceRow} row */
function paintAge(row) {
  const elapsed = Date.now() - row.receivedAt
  const text = age(elapsed)
  if (changed(row, 'age', text)) row.cells.age.textContent = text
  const stale = elapsed > STALE_AFTER_MS ? 'stale' : ''
  if (changed(row, 'stale', stale)) row.cells.age.className = `num age ${stale}`
}

/** @param {PriceRow} row @param {number} sign */
function paintSpark(row, sign) {
  const points = row.points
  const { line, area, last, spark } = row.cells
  if (points.length === 0) return
  let min = Infinity
  let max = -Infinity
  for (const value of points) {
    if (value < min) min = value
    if (value > max) max = value
  }
  const span = max - min || Math.abs(max) * 0.001 || 1
  const step = SPARK_WIDTH / Math.max(1, SPARK_POINTS - 1)
  const offset = SPARK_WIDTH - step * (points.length - 1)
  let d = ''
  let x = 0
  let y = 0
  for (let index = 0; index < points.length; index++) {
    x = offset + index * step
    const value = points[index] ?? min
    y = 2 + (SPARK_HEIGHT - 4) * (1 - (value - min) / span)
    d += `${index === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`
  }
  line.setAttribute('d', d)
  area.setAttribute(
    'd',
    `${d}L${x.toFixed(1)},${SPARK_HEIGHT}L${offset.toFixed(1)},${SPARK_HEIGHT}Z`,
  )
  last.setAttribute('cx', x.toFixed(1))
  last.setAttribute('cy', y.toFixed(1))
  const first = /** @type {number} */ (points[0])
  const trend = points.length > 1 ? Math.sign(/** @type {number} */ (points.at(-1)) - first) : sign
  spark.setAttribute('class', `spark ${directionClass(trend || sign)}`)
  spark.setAttribute(
    'aria-label',
    `${row.symbol} trend over the last ${points.length} updates: ${trend > 0 ? 'rising' : trend < 0 ? 'falling' : 'flat'}`,
  )
}

/** @param {PriceRow} row @returns {number | string} */
function sortValue(row) {
  switch (sort.key) {
    case 'price':
      return Number(row.price)
    case 'change':
      return Number(row.change)
    case 'percent':
      return Number(row.percent)
    case 'volume':
      return Number(row.volume) * Number(row.price)
    default:
      return row.symbol
  }
}

let lastSortAt = 0
/** @type {ReturnType<typeof setTimeout> | undefined} */
let sortTimer

function sortRows() {
  // Numeric orders move with every tick; re-order at most once a second so rows stay readable.
  const wait = 1000 - (performance.now() - lastSortAt)
  if (sort.key !== 'symbol' && wait > 0) {
    sortTimer ??= setTimeout(() => {
      sortTimer = undefined
      schedule()
    }, wait)
    return
  }
  resortNeeded = false
  lastSortAt = performance.now()
  const ordered = [...rows.values()].sort((a, b) => {
    const left = sortValue(a)
    const right = sortValue(b)
    const order = left < right ? -1 : left > right ? 1 : 0
    return sort.descending ? -order : order
  })
  /** @type {Element | null} */
  let previous = null
  for (const row of ordered) {
    /** @type {Element | null} */
    const expected =
      previous === null ? ui.priceRows.firstElementChild : previous.nextElementSibling
    if (expected !== row.element) {
      if (previous === null) ui.priceRows.prepend(row.element)
      else previous.after(row.element)
    }
    previous = row.element
  }
}

for (const button of ui.priceTable.querySelectorAll('th button[data-sort]')) {
  button.addEventListener('click', () => {
    const key = /** @type {HTMLElement} */ (button).dataset['sort'] ?? 'symbol'
    sort.descending = sort.key === key ? !sort.descending : key !== 'symbol'
    sort.key = key
    for (const header of ui.priceTable.querySelectorAll('th')) header.removeAttribute('aria-sort')
    button.parentElement?.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending')
    lastSortAt = 0
    resortNeeded = true
    schedule()
  })
}

// ---------------------------------------------------------------------------------------------
// Portfolio

/** @type {any} */
let portfolio = null

function paintPortfolio() {
  dirtyPortfolio = false
  const data = portfolio
  const holdings = /** @type {any[]} */ (data?.holdings ?? [])
  const empty = data === null || holdings.length === 0
  ui.portfolioEmpty.hidden = !empty
  ui.portfolioTotal.hidden = empty
  ui.holdings.hidden = empty
  if (empty) {
    ui.portfolioNote.textContent = ''
    return
  }
  ui.totalValue.textContent = group(roundText(String(data.total_value), 2))
  const sign = signOf(String(data.total_change_24h))
  ui.totalChange.className = `total-change ${directionClass(sign)}`
  ui.totalChange.textContent = `${arrow(sign)} ${group(withSign(roundText(String(data.total_change_24h), 2)))} (${withSign(roundText(String(data.total_change_percent_24h), 2))}%) 24h`
  const notes = []
  if (Array.isArray(data.missing) && data.missing.length > 0)
    notes.push(`no price: ${data.missing.join(', ')}`)
  if (Array.isArray(data.stale) && data.stale.length > 0)
    notes.push(`stale: ${data.stale.join(', ')}`)
  ui.portfolioNote.textContent =
    notes.length > 0 ? notes.join(' · ') : `${holdings.length} holdings`
  const total = Number(data.total_value)
  const fragment = document.createDocumentFragment()
  for (const holding of holdings) {
    const tr = h('tr')
    const name = h('th')
    name.scope = 'row'
    name.className = 'holding-symbol'
    name.textContent = String(holding.symbol)
    if (holding.stale === true) name.append(h('span', 'stale-tag', 'stale'))
    const value = Number(holding.value)
    const share = total > 0 ? Math.max(0, Math.min(100, (value / total) * 100)) : 0
    const amount = h('td', 'num', group(String(holding.amount)))
    const valueCell = h('td', 'num', group(roundText(String(holding.value), 2)))
    const changeSign = signOf(String(holding.change_24h))
    const change = h(
      'td',
      `num ${directionClass(changeSign)}`,
      group(withSign(roundText(String(holding.change_24h), 2))),
    )
    const shareCell = h('td', 'num share')
    const bar = h('span', 'alloc')
    bar.style.setProperty('--share', `${share.toFixed(1)}%`)
    bar.setAttribute('aria-hidden', 'true')
    shareCell.append(h('span', '', `${share.toFixed(1)}%`), bar)
    tr.append(name, amount, valueCell, change, shareCell)
    fragment.append(tr)
  }
  ui.holdingRows.replaceChildren(fragment)
}

// ---------------------------------------------------------------------------------------------
// Feeds

/** @type {Map<string, { state: string, symbols: string[], reason?: string }>} */
const feeds = new Map()
/** @type {Map<string, any>} */
const feedDetails = new Map()

const STATE_LABELS = /** @type {Record<string, string>} */ ({
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  stale: 'Stale',
  failed_over: 'Failed over',
  stopped: 'Stopped',
})

function paintFeeds() {
  dirtyFeeds = false
  const names = new Set([...feeds.keys(), ...feedDetails.keys()])
  ui.feedsEmpty.hidden = names.size > 0
  const fragment = document.createDocumentFragment()
  let healthy = 0
  for (const name of [...names].sort()) {
    const live = feeds.get(name)
    const detail = feedDetails.get(name)
    const state = live?.state ?? String(detail?.state ?? 'connecting')
    if (state === 'connected') healthy++
    const item = h('li', 'feed')
    const title = h('span', 'feed-name', name)
    const symbols = live?.symbols ?? /** @type {string[]} */ (detail?.symbols ?? [])
    const badge = h('span', 'state', STATE_LABELS[state] ?? state)
    badge.dataset['state'] = state
    const parts = []
    if (symbols.length > 0) {
      parts.push(
        symbols.length > 6
          ? `${symbols.slice(0, 6).join(', ')} +${symbols.length - 6}`
          : symbols.join(', '),
      )
    }
    if (detail !== undefined) {
      if (detail.latency_ms !== null && detail.latency_ms !== undefined)
        parts.push(`${Number(detail.latency_ms).toFixed(0)} ms`)
      parts.push(`${compact.format(Number(detail.messages_received))} msgs`)
      if (Number(detail.reconnects) > 0) parts.push(`${detail.reconnects} reconnects`)
      if (detail.last_message_at)
        parts.push(`last ${age(Date.now() - Date.parse(String(detail.last_message_at)))}`)
    }
    if (live?.reason) parts.push(live.reason)
    const text = h('span', 'feed-detail', parts.join(' · '))
    item.append(title, badge, text)
    fragment.append(item)
  }
  ui.feeds.replaceChildren(fragment)
  ui.feedsNote.textContent = names.size > 0 ? `${healthy}/${names.size} connected` : ''
}

/** @param {any} data */
function onFeedStatus(data) {
  /** @type {{ state: string, symbols: string[], reason?: string }} */
  const status = {
    state: String(data.state),
    symbols: Array.isArray(data.symbols) ? data.symbols.map(String) : [],
  }
  if (typeof data.reason === 'string') status.reason = data.reason
  feeds.set(String(data.provider), status)
  dirtyFeeds = true
  schedule()
}

// ---------------------------------------------------------------------------------------------
// Alerts

const seenAlerts = new Set()
let alertCount = 0

/** @param {any} data @param {boolean} live */
function onAlert(data, live) {
  const key = `${data.id}|${data.triggered_at}`
  if (seenAlerts.has(key)) return
  seenAlerts.add(key)
  alertCount++
  const item = h('li', live ? 'alert fresh' : 'alert')
  const time = new Date(String(data.triggered_at))
  item.append(
    h('span', 'alert-symbol', String(data.symbol)),
    h('span', 'alert-message', String(data.message || data.condition)),
    h('time', 'alert-time', Number.isNaN(time.getTime()) ? '' : timeFormat.format(time)),
    h('span', 'alert-detail', `${data.condition} · at ${group(String(data.price))}`),
  )
  const timeElement = item.querySelector('time')
  if (timeElement !== null && !Number.isNaN(time.getTime()))
    timeElement.dateTime = time.toISOString()
  ui.alerts.prepend(item)
  if (live) setTimeout(() => item.classList.remove('fresh'), 4000)
  while (ui.alerts.children.length > MAX_ALERTS) ui.alerts.lastElementChild?.remove()
  ui.alertsEmpty.hidden = true
  ui.alertsNote.textContent = `${alertCount} fired`
}

// ---------------------------------------------------------------------------------------------
// Connection: reconnect with backoff, resume each room from its last seq.

/** @type {WebSocket | null} */
let socket = null
let attempt = 0
let retryAt = 0
/** @type {ReturnType<typeof setTimeout> | undefined} */
let retryTimer
let openedAt = 0
let lastMessageAt = 0
let everOpened = false
let received = 0
/** @type {Record<string, number>} */
const lastSeq = {}
/** Rooms joined with `since`: what to resume after a reconnect. */
const ROOMS = ['prices', 'portfolio', 'alerts', 'status']

/** @param {string} state @param {string} text */
function setConnection(state, text) {
  ui.connection.dataset['state'] = state
  if (ui.connectionText.textContent !== text) ui.connectionText.textContent = text
  ui.reconnectNow.hidden = state !== 'reconnecting' && state !== 'unauthorized'
}

function socketUrl() {
  const url = new URL('/ws', location.href)
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
  if (token !== null) url.searchParams.set('token', token)
  return url.href
}

function connect() {
  clearTimeout(retryTimer)
  retryTimer = undefined
  if (socket !== null) return
  if (!navigator.onLine) {
    setConnection('offline', 'Offline · waiting for the network')
    return
  }
  setConnection(
    'connecting',
    attempt === 0 ? 'Connecting…' : `Reconnecting… (attempt ${attempt + 1})`,
  )
  const ws = new WebSocket(socketUrl())
  socket = ws
  ws.addEventListener('open', () => {
    if (socket !== ws) return
    openedAt = Date.now()
    lastMessageAt = openedAt
    everOpened = true
    setConnection('live', 'Live')
    setTimeout(() => void pollStatus(), 500)
    for (const room of ROOMS) {
      const seq = lastSeq[room]
      // First load: ask prices from seq 0 so a young server's history fills the sparklines.
      const since = seq ?? (room === 'prices' ? 0 : undefined)
      ws.send(
        JSON.stringify(
          since === undefined ? { type: 'join_room', room } : { type: 'join_room', room, since },
        ),
      )
    }
  })
  ws.addEventListener('message', (event) => {
    if (socket !== ws) return
    lastMessageAt = Date.now()
    received++
    handle(parseMessage(String(event.data)))
  })
  ws.addEventListener('close', (event) => {
    if (socket !== ws) return
    socket = null
    // A connection that lived a while earns a fresh, fast retry.
    if (openedAt !== 0 && Date.now() - openedAt > 10_000) attempt = 0
    openedAt = 0
    scheduleReconnect(event.code)
  })
}

/** @param {number} code */
function scheduleReconnect(code) {
  const delay = Math.min(15_000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4)
  attempt++
  retryAt = Date.now() + delay
  retryTimer = setTimeout(connect, delay)
  paintRetry()
  if (!everOpened && attempt === 2) void checkAuthorization()
  if (code === 1008 || code === 1013)
    console.warn(`crypto-analyzer: server closed the connection (${code})`)
}

function paintRetry() {
  if (retryTimer === undefined || ui.connection.dataset['state'] === 'unauthorized') return
  const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000))
  setConnection('reconnecting', seconds > 0 ? `Reconnecting in ${seconds}s` : 'Reconnecting…')
}

async function checkAuthorization() {
  try {
    const response = await fetch(statusUrl(), { cache: 'no-store' })
    if (response.status === 401) {
      setConnection(
        'unauthorized',
        token === null ? 'Token required: open this page with ?token=…' : 'Token rejected',
      )
    }
  } catch {
    // The server is down: the retry loop goes on.
  }
}

ui.reconnectNow.addEventListener('click', () => {
  attempt = 0
  connect()
})
addEventListener('online', () => {
  if (socket === null) {
    attempt = 0
    connect()
  }
})
addEventListener('offline', () => {
  if (socket === null) setConnection('offline', 'Offline · waiting for the network')
})

/** @param {ServerMessage} message */
function handle(message) {
  switch (message.type) {
    case 'price_update':
      remember('prices', message)
      onPrice(message.data)
      break
    case 'portfolio_update':
      remember('portfolio', message)
      portfolio = message.data
      dirtyPortfolio = true
      schedule()
      break
    case 'alert_triggered':
      remember('alerts', message)
      onAlert(message.data, Date.now() - openedAt > 2000)
      break
    case 'feed_status':
      remember('status', message)
      onFeedStatus(message.data)
      break
    case 'error':
      console.warn('crypto-analyzer server error', message.data)
      break
    default:
      break
  }
}

/** @param {string} room @param {ServerMessage} message */
function remember(room, message) {
  if (typeof message.seq === 'number') lastSeq[room] = message.seq
}

// ---------------------------------------------------------------------------------------------
// Once a second: ages, retry countdown, throughput, liveness, title.

let lastRateAt = performance.now()
let lastReceived = 0

setInterval(() => {
  const now = performance.now()
  const rate = ((received - lastReceived) * 1000) / Math.max(1, now - lastRateAt)
  lastReceived = received
  lastRateAt = now
  ui.rate.textContent = rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)
  for (const row of rows.values()) paintAge(row)
  paintRetry()
  if (socket !== null && socket.readyState === WebSocket.OPEN) {
    // The server pings at the protocol level; this catches a half-open connection from our side.
    if (Date.now() - lastMessageAt > 20_000) socket.send('{"type":"ping"}')
    if (Date.now() - lastMessageAt > 45_000) socket.close(4000, 'no data')
  }
  const first = rows.get('BTC') ?? rows.values().next().value
  document.title =
    first === undefined
      ? 'crypto-analyzer · live markets'
      : `${first.symbol} ${group(first.price)} · crypto-analyzer`
}, 1000)

// ---------------------------------------------------------------------------------------------
// Server status (feed details, version): optional, needs the token when the server has one.

function statusUrl() {
  const url = new URL('/status', location.href)
  if (token !== null) url.searchParams.set('token', token)
  return url.href
}

async function pollStatus() {
  if (document.visibilityState === 'hidden') return
  try {
    const response = await fetch(statusUrl(), { cache: 'no-store' })
    if (!response.ok) {
      ui.serverInfo.textContent =
        response.status === 401
          ? 'Server status needs the token (?token=…).'
          : `Server status unavailable (${response.status}).`
      return
    }
    const status = await response.json()
    feedDetails.clear()
    for (const feed of status.feeds ?? []) feedDetails.set(String(feed.provider), feed)
    dirtyFeeds = true
    schedule()
    const uptime = Number(status.uptime_seconds)
    const uptimeText =
      uptime >= 3600
        ? `${(uptime / 3600).toFixed(1)} h`
        : uptime >= 60
          ? `${Math.floor(uptime / 60)} min`
          : `${Math.floor(uptime)} s`
    ui.serverInfo.textContent = `Server ${status.version} · ${status.status} · up ${uptimeText} · ${status.clients} ${status.clients === 1 ? 'client' : 'clients'}`
  } catch {
    ui.serverInfo.textContent = 'Server unreachable.'
  }
}

setInterval(() => void pollStatus(), 5000)
void pollStatus()
connect()
