/** Counters of one node's work with Redis (in `/status` `cluster`), bumped by each unit. */
export interface ClusterCounters {
  published: number
  publishErrors: number
  fenced: number
  duplicateAlerts: number
  received: number
  /** Values read from Redis that failed validation (dropped, never published). */
  invalidEntries: number
  leaderTerms: number
  redisErrors: number
}

export function createCounters(): ClusterCounters {
  return {
    published: 0,
    publishErrors: 0,
    fenced: 0,
    duplicateAlerts: 0,
    received: 0,
    invalidEntries: 0,
    leaderTerms: 0,
    redisErrors: 0,
  }
}
