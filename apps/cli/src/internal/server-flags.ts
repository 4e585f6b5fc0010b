import { variableOf } from '@crypto-analyzer/config'
import { Errors, Flags } from '@oclif/core'

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 8000

export const hostFlag = Flags.string({
  env: variableOf('host'),
  default: DEFAULT_HOST,
  description: 'Server host.',
  helpValue: '<host>',
  parse: (input) => {
    const host = input.trim()
    if (host === '' || /[\s/?#@]/.test(host)) {
      throw new Errors.CLIError(
        `invalid host ${JSON.stringify(input)}: give a host name or IP address, e.g. 127.0.0.1`,
        { exit: 2 },
      )
    }
    return Promise.resolve(host)
  },
})

/** `--port`: 1-65535, or 0 (any free port) where `allowZero`. */
export function portFlag(allowZero: boolean) {
  const min = allowZero ? 0 : 1
  return Flags.custom<number>({
    env: variableOf('port'),
    default: DEFAULT_PORT,
    description: allowZero ? 'Server port; 0 picks a free port.' : 'Server port.',
    helpValue: '<port>',
    parse: (input) => {
      const port = Number(input)
      if (!/^\d+$/.test(input.trim()) || port < min || port > 65_535) {
        throw new Errors.CLIError(
          `invalid port ${JSON.stringify(input)}: expected a whole number from ${min} to 65535, e.g. 8000`,
          { exit: 2 },
        )
      }
      return Promise.resolve(port)
    },
  })()
}

export const tokenFlag = Flags.string({
  env: variableOf('token'),
  description: 'Access token the server requires for /ws, /status and /metrics.',
  helpValue: '<token>',
})

/** `http://host:port`, bracketing IPv6 and turning a wildcard listen address into loopback. */
export function serverBaseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  const bracketed =
    reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable
  return `http://${bracketed}:${port}`
}
