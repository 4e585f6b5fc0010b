// Messages only change the model; the DOM is touched once per animation frame, so a hundred
// updates a second cost one DOM pass per frame.

export interface FrameScheduler {
  /** Asks for one render on the next animation frame; more asks before it add nothing. */
  readonly request: () => void
}

export function createFrameScheduler(render: () => void): FrameScheduler {
  let requested = false
  const run = (): void => {
    requested = false
    render()
  }
  return {
    request: () => {
      if (requested) return
      requested = true
      requestAnimationFrame(run)
    },
  }
}
