import { describe, expect, it } from 'vitest'
import { SPARK_HEIGHT, SPARK_POINTS, SPARK_WIDTH, sparkLabel, sparkShape } from './sparkline.js'

describe('sparkShape', () => {
  it('draws nothing without points', () => {
    expect(sparkShape([], 1)).toBeUndefined()
  })

  it('draws two points right-aligned, the high one at the top', () => {
    // One step is 120 / 89 = 1.348 px, so the first point sits at 118.7.
    expect(sparkShape([1, 2], 0)).toEqual({
      line: 'M118.7,28.0L120.0,2.0',
      area: 'M118.7,28.0L120.0,2.0L120.0,30L118.7,30Z',
      lastX: '120.0',
      lastY: '2.0',
      trend: 1,
    })
  })

  it('spans the whole width when full, and reads the trend from first to last', () => {
    const falling = Array.from({ length: SPARK_POINTS }, (_, index) => 100 - index)
    const shape = sparkShape(falling, 1)
    expect(shape?.line.startsWith('M0.0,2.0L')).toBe(true)
    expect(shape?.lastX).toBe(SPARK_WIDTH.toFixed(1))
    expect(shape?.lastY).toBe(String(SPARK_HEIGHT - 2) + '.0')
    expect(shape?.trend).toBe(-1)
  })

  it('draws a flat series without dividing by zero, and takes the fallback for one point', () => {
    expect(sparkShape([5, 5, 5], -1)?.trend).toBe(0)
    expect(sparkShape([5, 5, 5], -1)?.line).not.toContain('NaN')
    expect(sparkShape([0, 0], 1)?.line).toBe('M118.7,28.0L120.0,28.0')
    expect(sparkShape([7], -1)).toMatchObject({ line: 'M120.0,28.0', trend: -1 })
  })
})

describe('sparkLabel', () => {
  it('says which way the symbol went over how many updates', () => {
    expect(sparkLabel('BTC', 90, 1)).toBe('BTC trend over the last 90 updates: rising')
    expect(sparkLabel('ETH', 3, -1)).toBe('ETH trend over the last 3 updates: falling')
    expect(sparkLabel('ADA', 1, 0)).toBe('ADA trend over the last 1 updates: flat')
  })
})
