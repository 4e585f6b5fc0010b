import { createLogUpdate } from 'log-update'
import { interceptLogLines } from './logger.js'

/**
 * `stream` as log-update sees it. A pseudo terminal may report a 0×0 size (no window yet), where
 * log-update would draw nothing: lay out for 100×40 then.
 */
export function withSize(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  const sized = {
    isTTY: stream.isTTY,
    get columns(): number {
      return stream.columns || 100
    },
    get rows(): number {
      return stream.rows || 40
    },
    write: (text: string): boolean => stream.write(text),
  }
  return sized as unknown as NodeJS.WriteStream
}

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
  const render = createLogUpdate(withSize(stream), { showCursor: false })
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

/** A live view on stdout redrawn every `refreshMs` from `render(now, final)`. */
export function startLiveTable(
  render: (now: number, final: boolean) => string,
  refreshMs: number,
): LiveTable {
  const view = createLiveView(process.stdout)
  const draw = (final = false): void => {
    view.draw(render(Date.now(), final))
  }
  const timer = setInterval(() => {
    draw()
  }, refreshMs)
  draw()
  return {
    drawNow: () => {
      draw()
    },
    close: () => {
      clearInterval(timer)
      draw(true)
      view.close()
    },
  }
}
