import { createHash, timingSafeEqual } from 'node:crypto'
import { IncomingMessage } from 'node:http'
import type { Context } from 'hono'

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/** The token a request carries: `Authorization: Bearer <token>`, else `?token=`. */
export function requestToken(c: Context): string | undefined {
  const header = c.req.header('authorization')
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match?.[1] !== undefined) return match[1]
  }
  return c.req.query('token')
}

/** Constant-time comparison that also hides the token's length. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  return given !== undefined && timingSafeEqual(digest(expected), digest(given))
}

/**
 * Browsers send `Origin` on WebSocket upgrades; other clients usually do not. A request without
 * one, from the server's own origin, or from an allowed origin passes.
 */
export function originAllowed(c: Context, allowed: ReadonlySet<string> | undefined): boolean {
  if (allowed === undefined) return true
  const origin = c.req.header('origin')
  if (origin === undefined) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  const host = c.req.header('host')
  if (url.host === host?.toLowerCase()) return true
  return allowed.has(url.origin)
}

/** The Node.js request under a Hono context, when served by @hono/node-server. */
export function incomingOf(c: Context): IncomingMessage | undefined {
  const env = c.env as { incoming?: unknown } | null | undefined
  const incoming = env?.incoming
  return incoming instanceof IncomingMessage ? incoming : undefined
}
