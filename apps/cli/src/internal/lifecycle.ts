export type StopReason = 'signal' | 'duration' | 'failure' | 'done'

export interface RunUntilStopped {
  /** Resolves with why the run ended: Ctrl-C / SIGTERM, `--duration` elapsed, or `stop()`. */
  readonly stopped: Promise<StopReason>
  /** Ends the run early (e.g. every symbol was rejected). */
  stop(reason: StopReason): void
  /** Removes the signal handlers and the timer. */
  dispose(): void
}

/**
 * Keeps a long-running command alive until SIGINT/SIGTERM, a closed stdout pipe, or `durationMs`. While it runs the
 * signals do not kill the process, so the command can restore the terminal, stop its feeds and
 * exit 0.
 */
export function runUntilStopped(
  options: { durationMs?: number | undefined } = {},
): RunUntilStopped {
  let resolve: (reason: StopReason) => void = () => undefined
  const stopped = new Promise<StopReason>((done) => {
    resolve = done
  })
  let timer: NodeJS.Timeout | undefined
  const onSignal = (): void => {
    finish('signal')
  }
  // `monitor | head -3`: once the reader is gone there is no one left to show prices to.
  const onOutputError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') finish('signal')
  }
  let disposed = false
  const dispose = (): void => {
    if (disposed) return
    disposed = true
    process.stdout.off('error', onOutputError)
    if (timer) clearTimeout(timer)
    timer = undefined
    // Removed on the next turn: signal-exit (which restores the cursor) re-raises a signal it sees
    // no other listener for, and it runs right after ours; this Ctrl-C is already handled.
    setImmediate(() => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    })
  }
  const finish = (reason: StopReason): void => {
    dispose()
    resolve(reason)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.stdout.on('error', onOutputError)
  if (options.durationMs !== undefined) {
    timer = setTimeout(() => {
      finish('duration')
    }, options.durationMs)
  }
  return { stopped, stop: finish, dispose }
}
