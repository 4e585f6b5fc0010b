// The geometry of a price sparkline: SVG path text from the last prices. Pure, no DOM.

/** How many prices a sparkline keeps. */
export const SPARK_POINTS = 90
export const SPARK_WIDTH = 120
export const SPARK_HEIGHT = 30

export interface SparkShape {
  /** The line's path. */
  readonly line: string
  /** The filled area under the line. */
  readonly area: string
  /** Where the newest point sits. */
  readonly lastX: string
  readonly lastY: string
  /** Rising (1), falling (-1) or flat (0) over the points; `fallback` when there is one point. */
  readonly trend: number
}

/**
 * Draws `points` right-aligned, so a young sparkline grows from the right edge, scaled to fill
 * the height. Undefined when there are no points.
 */
export function sparkShape(points: readonly number[], fallback: number): SparkShape | undefined {
  const first = points[0]
  const newest = points.at(-1)
  if (first === undefined || newest === undefined) return undefined
  let min = Infinity
  let max = -Infinity
  for (const value of points) {
    if (value < min) min = value
    if (value > max) max = value
  }
  // A flat line still needs a span to divide by.
  const span = max - min || Math.abs(max) * 0.001 || 1
  const step = SPARK_WIDTH / Math.max(1, SPARK_POINTS - 1)
  const offset = SPARK_WIDTH - step * (points.length - 1)
  let line = ''
  let x = 0
  let y = 0
  for (let index = 0; index < points.length; index++) {
    x = offset + index * step
    const value = points[index] ?? min
    y = 2 + (SPARK_HEIGHT - 4) * (1 - (value - min) / span)
    line += `${index === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`
  }
  return {
    line,
    area: `${line}L${x.toFixed(1)},${SPARK_HEIGHT}L${offset.toFixed(1)},${SPARK_HEIGHT}Z`,
    lastX: x.toFixed(1),
    lastY: y.toFixed(1),
    trend: points.length > 1 ? Math.sign(newest - first) : fallback,
  }
}

/** What a screen reader hears for a sparkline. */
export function sparkLabel(symbol: string, points: number, trend: number): string {
  const word = trend > 0 ? 'rising' : trend < 0 ? 'falling' : 'flat'
  return `${symbol} trend over the last ${points} updates: ${word}`
}
