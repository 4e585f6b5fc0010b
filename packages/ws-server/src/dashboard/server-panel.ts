// The footer line about the server: version, health, uptime and clients from `/status`.

import { byId } from './dom.js'
import { count, uptime } from './format.js'
import type { StatusResult } from './status.js'

export function describeServer(result: StatusResult): string {
  switch (result.kind) {
    case 'ok': {
      const { version, status, uptimeSeconds, clients } = result.status
      return `Server ${version} · ${status} · up ${uptime(uptimeSeconds)} · ${count(clients, 'client')}`
    }
    case 'refused':
      return result.code === 401
        ? 'Server status needs the token (?token=…).'
        : `Server status unavailable (${result.code}).`
    case 'unreachable':
      return 'Server unreachable.'
  }
}

export interface ServerPanel {
  show(result: StatusResult): void
}

export function createServerPanel(): ServerPanel {
  const info = byId('server-info')
  return {
    show(result) {
      info.textContent = describeServer(result)
    },
  }
}
