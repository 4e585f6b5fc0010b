// `/status`: feed details and the server's version and uptime. Optional for the page (the live
// data comes over the socket), and it needs the token when the server has one.

import { decodeStatus } from './wire.js'
import type { StatusDocument } from './wire.js'

export type StatusResult =
  | { readonly kind: 'ok'; readonly status: StatusDocument }
  | { readonly kind: 'refused'; readonly code: number }
  | { readonly kind: 'unreachable' }

/** The `/status` URL for the page at `pageUrl`, with the token. */
export function statusUrl(pageUrl: string, token: string | null): string {
  const url = new URL('/status', pageUrl)
  if (token !== null) url.searchParams.set('token', token)
  return url.href
}

export async function fetchStatus(url: string): Promise<StatusResult> {
  try {
    const response = await fetch(url, { cache: 'no-store' })
    if (!response.ok) return { kind: 'refused', code: response.status }
    return { kind: 'ok', status: decodeStatus(await response.json()) }
  } catch {
    return { kind: 'unreachable' }
  }
}

/** Whether the server answers 401 (a missing or wrong token); false when it is down. */
export async function isUnauthorized(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { cache: 'no-store' })
    return response.status === 401
  } catch {
    return false
  }
}
