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

/** A panel painted whole: `update()` marks it changed and asks for a frame. */
export interface WholePanel {
  /** The panel's data changed; it is painted on the next frame. */
  update(): void
  /** Paints it once if it changed since the last paint. */
  render(): void
}

export function paintedOnChange(paint: () => void, schedule: () => void): WholePanel {
  let dirty = false
  return {
    update() {
      dirty = true
      schedule()
    },
    render() {
      if (!dirty) return
      dirty = false
      paint()
    },
  }
}
