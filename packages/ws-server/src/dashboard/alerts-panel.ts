// The alerts card: fired alerts, newest first, in a log region; one that fires while the page
// watches is highlighted for a few seconds.

import { byId, h } from './dom.js'
import { clockTime, group } from './format.js'
import type { ClockTime } from './format.js'
import type { AlertFired } from './wire.js'

const MAX_ALERTS = 50
const FRESH_MS = 4000

export interface AlertView {
  readonly symbol: string
  readonly message: string
  /** When it fired, or undefined when the server's time is not a time. */
  readonly time: ClockTime | undefined
  readonly detail: string
}

export function describeAlert(alert: AlertFired): AlertView {
  return {
    symbol: alert.symbol,
    message: alert.message,
    time: clockTime(alert.triggeredAt),
    detail: `${alert.condition} · at ${group(alert.price)}`,
  }
}

export interface AlertsPanel {
  /** Shows an alert; `live` when it fired now rather than in a replay on join. */
  add(alert: AlertFired, live: boolean, fired: number): void
}

export function createAlertsPanel(): AlertsPanel {
  const list = byId('alerts')
  const empty = byId('alerts-empty')
  const note = byId('alerts-note')
  return {
    add(alert, live, fired) {
      const view = describeAlert(alert)
      const item = h('li', live ? 'alert fresh' : 'alert')
      const time = h('time', 'alert-time', view.time?.text ?? '')
      if (view.time !== undefined) time.dateTime = view.time.iso
      item.append(
        h('span', 'alert-symbol', view.symbol),
        h('span', 'alert-message', view.message),
        time,
        h('span', 'alert-detail', view.detail),
      )
      list.prepend(item)
      if (live) {
        setTimeout(() => {
          item.classList.remove('fresh')
        }, FRESH_MS)
      }
      while (list.children.length > MAX_ALERTS) list.lastElementChild?.remove()
      empty.hidden = true
      note.textContent = `${fired} fired`
    },
  }
}
