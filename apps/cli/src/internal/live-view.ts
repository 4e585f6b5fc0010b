import { createLogUpdate } from 'log-update'
import { interceptLogLines } from './logger.js'

/** A frame of text redrawn in place on a terminal. */
export interface LiveView {
  /** Shows `frame` instead of the previous one (only the changed lines are rewritten). */
  draw(frame: string): void
  /** Leaves the last frame on screen, shows the cursor again and hands stderr back. */
  close(): void
}

/**
 * A live view on a TTY: log-update rewrites the changed lines with cursor-up/erase sequences in one
 * synchronized write (no flicker, no scrolling) and hides the cursor until `close()`. A log line
 * printed meanwhile goes above the frame, which is then drawn again below it.
 */
export function createLiveView(stream: NodeJS.WriteStream): LiveView {
  const render = createLogUpdate(stream, { showCursor: false })
  let last: string | undefined
  let closed = false
  // Log lines share the screen only when stderr is the same kind of terminal.
  const release =
    process.stderr.isTTY && stream.isTTY
      ? interceptLogLines((line) => {
          render.clear()
          process.stderr.write(line)
          if (last !== undefined) render(last)
        })
      : () => undefined
  return {
    draw(frame) {
      if (closed) return
      last = frame
      render(frame)
    },
    close() {
      if (closed) return
      closed = true
      release()
      render.done()
    },
  }
}

export interface LiveTable {
  /** Redraws at once (e.g. when the first prices arrive). */
  drawNow(): void
  /** Draws the final frame and restores the terminal. */
  close(): void
}

/** A live view on stdout redrawn every `refreshMs` from `render(now)`. */
export function startLiveTable(render: (now: number) => string, refreshMs: number): LiveTable {
  const view = createLiveView(process.stdout)
  const draw = (): void => {
    view.draw(render(Date.now()))
  }
  const timer = setInterval(draw, refreshMs)
  draw()
  return {
    drawNow: draw,
    close: () => {
      clearInterval(timer)
      draw()
      view.close()
    },
  }
}
