import { describe, expect, it } from 'vitest'
import { createEmitter } from './index.js'

describe('createEmitter', () => {
  it('calls listeners in the order they were added when a value is emitted', () => {
    const emitter = createEmitter<number>()
    const seen: string[] = []
    emitter.on((value) => seen.push(`a${value}`))
    emitter.on((value) => seen.push(`b${value}`))
    emitter.emit(1)
    emitter.emit(2)
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2'])
    expect(emitter.size).toBe(2)
  })

  it('keeps calling the other listeners and reports the error when one throws', () => {
    const errors: unknown[] = []
    const emitter = createEmitter<number>({ onError: (error) => errors.push(error) })
    const seen: number[] = []
    emitter.on(() => {
      throw new Error('boom')
    })
    emitter.on((value) => seen.push(value))
    expect(() => {
      emitter.emit(7)
    }).not.toThrow()
    expect(seen).toEqual([7])
    expect(errors).toHaveLength(1)
    expect((errors[0] as Error).message).toBe('boom')
  })

  it('skips a listener removed during an emit and calls one added during it only next time', () => {
    const emitter = createEmitter<number>()
    const seen: string[] = []
    let offB: () => void = () => undefined
    emitter.on((value) => {
      seen.push(`a${value}`)
      offB()
      emitter.on((later) => seen.push(`c${later}`))
    })
    offB = emitter.on((value) => seen.push(`b${value}`))
    emitter.emit(1)
    expect(seen).toEqual(['a1'])
    emitter.emit(2)
    expect(seen).toEqual(['a1', 'a2', 'c2'])
  })

  it('ignores a second call of a removal', () => {
    const emitter = createEmitter<number>()
    const off = emitter.on(() => undefined)
    emitter.on(() => undefined)
    off()
    off()
    expect(emitter.size).toBe(1)
  })

  it('refuses a listener that is not a function', () => {
    const emitter = createEmitter<number>()
    expect(() => emitter.on('nope' as unknown as () => void)).toThrow(/must be a function/)
  })

  it('feeds observable subscribers until they unsubscribe or the emitter completes', () => {
    const emitter = createEmitter<number>()
    const seen: number[] = []
    let completed = 0
    const first = emitter.observable().subscribe({
      next: (value) => seen.push(value),
      complete: () => completed++,
    })
    const second = emitter.observable().subscribe((value) => seen.push(value * 10))
    emitter.emit(1)
    second.unsubscribe()
    emitter.emit(2)
    expect(seen).toEqual([1, 10, 2])
    emitter.complete()
    expect(completed).toBe(1)
    expect(first.closed).toBe(true)
    expect(emitter.size).toBe(0)
    emitter.emit(3)
    expect(seen).toEqual([1, 10, 2])
  })
})
