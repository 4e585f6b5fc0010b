import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

/**
 * The saved-state directory for an environment (an app passes `process.env`):
 * `CRYPTO_ANALYZER_HOME`, else `$XDG_CONFIG_HOME/crypto-analyzer`, else `~/.config/crypto-analyzer`.
 * Relative values are resolved against the working directory (`XDG_CONFIG_HOME` is ignored unless
 * absolute, as the XDG spec says).
 */
export function stateHome(env: Readonly<Record<string, string | undefined>>): string {
  const home = env['CRYPTO_ANALYZER_HOME']
  if (home !== undefined && home.trim() !== '') return resolve(home)
  const xdg = env['XDG_CONFIG_HOME']
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'crypto-analyzer')
  return join(homedir(), '.config', 'crypto-analyzer')
}
