// The crypto-analyzer dashboard: one WebSocket into the contract's rooms, one model, one module
// per panel. This file only wires them together and runs the once-a-second clock.

import { createAlertsPanel } from './alerts-panel.js'
import { createConnectionPanel } from './connection-panel.js'
import { createFeedsPanel } from './feeds-panel.js'
import { createFrameScheduler } from './frame.js'
import { createPortfolioPanel } from './portfolio-panel.js'
import { createPricesPanel, pageTitle } from './prices-panel.js'
import { createServerPanel } from './server-panel.js'
import { createDashboardSocket, socketUrl } from './socket.js'
import { createDashboardState } from './state.js'
import { fetchStatus, isUnauthorized, statusUrl } from './status.js'
import { parseServerMessage } from './wire.js'

const STATUS_EVERY_MS = 5000
const STATUS_AFTER_OPEN_MS = 500
/** An alert that arrives this soon after opening is a replay from the join, not news. */
const REPLAY_WINDOW_MS = 2000

const token = new URLSearchParams(location.search).get('token')
const state = createDashboardState()
const frame = createFrameScheduler(() => {
  prices.render()
  portfolio.render()
  feeds.render()
})
const prices = createPricesPanel(state, frame.request)
const portfolio = createPortfolioPanel(state, frame.request)
const feeds = createFeedsPanel(state, frame.request)
const alerts = createAlertsPanel()
const server = createServerPanel()

let received = 0

function onMessage(text: string): void {
  received++
  const message = parseServerMessage(text)
  if (message === undefined) return
  const now = Date.now()
  const change = state.apply(message, now)
  switch (change?.kind) {
    case 'price':
      prices.update(change.row)
      break
    case 'portfolio':
      portfolio.update()
      break
    case 'alert':
      alerts.add(change.alert, socket.openFor(now) > REPLAY_WINDOW_MS, state.alertCount)
      break
    case 'feed':
      feeds.update()
      break
    case 'server-error':
      console.warn('crypto-analyzer server error', change.data)
      break
    case undefined:
      break
  }
}

async function pollStatus(): Promise<void> {
  if (document.visibilityState === 'hidden') return
  const result = await fetchStatus(statusUrl(location.href, token))
  if (result.kind === 'ok') {
    state.applyStatus(result.status)
    feeds.update()
  }
  server.show(result)
}

const socket = createDashboardSocket({
  url: socketUrl(location.href, token),
  joins: () => state.joins(),
  onOpen: () => setTimeout(() => void pollStatus(), STATUS_AFTER_OPEN_MS),
  onMessage,
  onState: (connectionState) => {
    connection.show(connectionState)
  },
  unauthorized: () => isUnauthorized(statusUrl(location.href, token)),
})
const connection = createConnectionPanel({
  hasToken: token !== null,
  onRetry: () => {
    socket.retryNow()
  },
})

let lastRateAt = performance.now()
let lastReceived = 0

setInterval(() => {
  const now = performance.now()
  connection.showRate(((received - lastReceived) * 1000) / Math.max(1, now - lastRateAt))
  lastReceived = received
  lastRateAt = now
  prices.tick()
  socket.tick()
  document.title = pageTitle(state)
}, 1000)

setInterval(() => void pollStatus(), STATUS_EVERY_MS)
void pollStatus()
socket.start()
