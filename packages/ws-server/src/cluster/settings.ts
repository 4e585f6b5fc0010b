import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { CryptoAnalyzerError } from '@crypto-analyzer/core-events'

export interface ClusterSettings {
  readonly redisUrl: string
  readonly prefix: string
  readonly nodeId: string
  readonly leaseMs: number
  readonly renewInterval: number
  readonly claimTtl: number
}

export const DEFAULT_PREFIX = 'crypto-analyzer:'
export const DEFAULT_LEASE = 5000
/** An alert's firing claim outlives any sensible condition flapping; it is released on re-arm. */
const CLAIM_TTL = 7 * 24 * 3600 * 1000

const invalid = (message: string): CryptoAnalyzerError =>
  new CryptoAnalyzerError('INVALID_CONFIG', message)

/** The Redis URL with any password replaced by `***`, for messages and logs. */
export function showRedisUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return url
  }
}

/** Validates a Redis URL and key prefix (throws `INVALID_CONFIG` naming the fix). */
export function redisTarget(options: {
  readonly redisUrl?: string | undefined
  readonly redisPrefix?: string | undefined
}): { readonly redisUrl: string; readonly prefix: string } {
  const url = options.redisUrl ?? ''
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw invalid(
      `redis URL ${JSON.stringify(showRedisUrl(url))} is not a redis:// or rediss:// URL; e.g. --redis-url redis://127.0.0.1:6379`,
    )
  }
  const prefix = options.redisPrefix ?? DEFAULT_PREFIX
  if (!/^[\w:.{}-]{1,100}$/.test(prefix)) {
    throw invalid(
      `redis prefix ${JSON.stringify(prefix)} must be 1 to 100 characters of letters, digits, _ - . : { }; e.g. crypto-analyzer:`,
    )
  }
  return { redisUrl: url, prefix }
}

/** Validates the Redis options of `startService` (throws `INVALID_CONFIG` naming the fix). */
export function clusterSettings(options: {
  readonly redisUrl?: string | undefined
  readonly redisPrefix?: string | undefined
  readonly nodeId?: string | undefined
  readonly leaderLease?: number | undefined
}): ClusterSettings {
  const { redisUrl: url, prefix } = redisTarget(options)
  const nodeId =
    options.nodeId ??
    `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`.replace(/[^\w.-]/g, '_')
  if (!/^[\w.-]{1,100}$/.test(nodeId)) {
    throw invalid(
      `node id ${JSON.stringify(nodeId)} must be 1 to 100 characters of letters, digits, _ - .; e.g. web-1`,
    )
  }
  const leaseMs = options.leaderLease ?? DEFAULT_LEASE
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 500 || leaseMs > 600_000) {
    throw invalid(`leader lease must be 500 to 600000 ms (got ${String(leaseMs)}), e.g. 5000`)
  }
  return {
    redisUrl: url,
    prefix,
    nodeId,
    leaseMs,
    renewInterval: Math.max(100, Math.round(leaseMs * 0.3)),
    claimTtl: CLAIM_TTL,
  }
}
