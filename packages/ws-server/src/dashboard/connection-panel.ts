// The top bar's connection indicator (a status region, so screen readers hear each change),
// its "Retry now" button, and the messages-per-second figure.

import { byId } from './dom.js'
import { rate } from './format.js'
import type { ConnectionState } from './socket.js'

export interface ConnectionView {
  /** The indicator's `data-state`, which the stylesheet colours. */
  readonly state: string
  readonly text: string
  /** Whether "Retry now" shows: while waiting to retry, or stuck on the token. */
  readonly retry: boolean
}

export function describeConnection(
  state: ConnectionState,
  now: number,
  hasToken: boolean,
): ConnectionView {
  switch (state.kind) {
    case 'connecting':
      return {
        state: 'connecting',
        text: state.attempt === 0 ? 'Connecting…' : `Reconnecting… (attempt ${state.attempt + 1})`,
        retry: false,
      }
    case 'live':
      return { state: 'live', text: 'Live', retry: false }
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1000))
      return {
        state: 'reconnecting',
        text: seconds > 0 ? `Reconnecting in ${seconds}s` : 'Reconnecting…',
        retry: true,
      }
    }
    case 'offline':
      return { state: 'offline', text: 'Offline · waiting for the network', retry: false }
    case 'unauthorized':
      return {
        state: 'unauthorized',
        text: hasToken ? 'Token rejected' : 'Token required: open this page with ?token=…',
        retry: true,
      }
  }
}

export interface ConnectionPanel {
  show(state: ConnectionState): void
  showRate(perSecond: number): void
}

export function createConnectionPanel(options: {
  readonly hasToken: boolean
  readonly onRetry: () => void
}): ConnectionPanel {
  const indicator = byId('connection')
  const text = byId('connection-text')
  const retry = byId('reconnect-now', HTMLButtonElement)
  const rateText = byId('rate')
  retry.addEventListener('click', options.onRetry)
  return {
    show(state) {
      const view = describeConnection(state, Date.now(), options.hasToken)
      indicator.dataset['state'] = view.state
      // Rewriting the same text would make the status region announce it again.
      if (text.textContent !== view.text) text.textContent = view.text
      retry.hidden = !view.retry
    },
    showRate(perSecond) {
      rateText.textContent = rate(perSecond)
    },
  }
}
