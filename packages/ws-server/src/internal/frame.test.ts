import { describe, expect, it } from 'vitest'
import { textFrame } from './frame.js'

/** Reads an unmasked server frame header as RFC 6455 §5.2 defines it. */
function header(frame: Buffer): { fin: boolean; opcode: number; length: number; offset: number } {
  const first = frame[0] as number
  const second = frame[1] as number
  expect(second & 0x80).toBe(0) // servers never mask
  const short = second & 0x7f
  if (short < 126)
    return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, length: short, offset: 2 }
  if (short === 126) {
    return {
      fin: (first & 0x80) !== 0,
      opcode: first & 0x0f,
      length: frame.readUInt16BE(2),
      offset: 4,
    }
  }
  const length = frame.readUInt32BE(2) * 0x1_0000_0000 + frame.readUInt32BE(6)
  return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, length, offset: 10 }
}

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 70_000])(
    'builds a final text frame with the right length encoding for %i bytes',
    (size) => {
      const text = 'x'.repeat(size)
      const { frame, headerLength } = textFrame(text)
      const parsed = header(frame)
      expect(parsed).toEqual({
        fin: true,
        opcode: 1,
        length: size,
        offset: size < 126 ? 2 : size < 65_536 ? 4 : 10,
      })
      expect(headerLength).toBe(parsed.offset)
      expect(frame.subarray(headerLength).toString('utf8')).toBe(text)
    },
  )

  it('counts UTF-8 bytes, not characters', () => {
    const text = '€'.repeat(50) // 150 bytes
    const { frame, headerLength } = textFrame(text)
    expect(header(frame).length).toBe(150)
    expect(frame.subarray(headerLength).toString('utf8')).toBe(text)
  })
})
