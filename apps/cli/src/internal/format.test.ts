import { stripVTControlCharacters } from 'node:util'
import { Decimal } from '@crypto-analyzer/core-events'
import pc from 'picocolors'
import { describe, expect, it } from 'vitest'
import { age, compact, percent, signed, table } from './format.js'

describe('format', () => {
  it('writes prices and changes exactly, with an explicit sign', () => {
    expect(signed(new Decimal('1000.50'))).toBe('+1000.5')
    expect(signed(new Decimal('-0.0001436'))).toBe('-0.0001436')
    expect(signed(new Decimal('0'))).toBe('0')
  })

  it('rounds percentages to two places and never shows a negative zero', () => {
    expect(percent(new Decimal('2.555'))).toBe('+2.56%')
    expect(percent(new Decimal('-1.276'))).toBe('-1.28%')
    expect(percent(new Decimal('-0.001'))).toBe('0.00%')
  })

  it('abbreviates volumes by thousands', () => {
    expect(compact(new Decimal('999.994'))).toBe('999.99')
    expect(compact(new Decimal('25000'))).toBe('25.00K')
    expect(compact(new Decimal('450000000'))).toBe('450.00M')
    expect(compact(new Decimal('0.12345'))).toBe('0.1235')
  })

  it('shows ages in the largest useful unit', () => {
    expect(age(-5)).toBe('0.0s')
    expect(age(1234)).toBe('1.2s')
    expect(age(42_000)).toBe('42s')
    expect(age(185_000)).toBe('3m 05s')
    expect(age(7_260_000)).toBe('2h 01m')
  })

  it('aligns columns by visible width, ignoring color codes', () => {
    const c = pc.createColors(true)
    expect(
      table(
        [{ header: 'A' }, { header: 'B', align: 'right' }],
        [
          [c.red('x'), '1'],
          ['yyy', '22'],
        ],
      ).map((line) => stripVTControlCharacters(line)),
    ).toEqual(['A     B', 'x     1', 'yyy  22'])
  })

  it('never shrinks a column between frames when given a width memory', () => {
    const memory: number[] = []
    table([{ header: 'P', align: 'right' }], [['12345']], memory)
    expect(table([{ header: 'P', align: 'right' }], [['1']], memory)).toEqual(['    P', '    1'])
  })
})
