/** The upper bound of the wait before reconnect attempt `attempt` (1-based). */
export function backoffCeiling(attempt: number, baseMs: number, capMs: number): number {
  // 2 ** attempt overflows to Infinity after ~1000 attempts; Math.min keeps the cap.
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
}

/**
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniformly random wait in
 * [0, min(cap, base·2^(attempt-1))), so many clients dropped at once do not come back in lockstep.
 */
export function computeBackoff(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number,
): number {
  const r = random()
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0
  const ceiling = backoffCeiling(attempt, baseMs, capMs)
  return Math.min(Math.floor(unit * ceiling), Math.max(0, Math.ceil(ceiling) - 1))
}
