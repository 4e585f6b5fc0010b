import { describe, expect, it } from 'vitest'
import { closestMatches, editDistance } from './suggest.js'

describe('suggest', () => {
  it('measures edit distance', () => {
    expect(editDistance('moniter', 'monitor')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
  })

  it('suggests the closest candidates and nothing for unrelated input', () => {
    const commands = ['stream monitor', 'stream start', 'stream status', 'portfolio show']
    expect(closestMatches('stream statsu', commands)).toEqual(['stream status', 'stream start'])
    expect(closestMatches('--symbol', ['--symbols', '--provider'], 1)).toEqual(['--symbols'])
    expect(closestMatches('zzz', commands)).toEqual([])
  })
})
