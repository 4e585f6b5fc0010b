import { describe, expect, it } from 'vitest'
import {
  age,
  arrow,
  clockTime,
  compact,
  count,
  decimalsOf,
  group,
  hue,
  money,
  pad,
  rate,
  roundText,
  shortList,
  signOf,
  signedMoney,
  signedPercent,
  toneOf,
  uptime,
  withSign,
} from './format.js'

describe('group', () => {
  it('puts thousands separators in the integer digits only', () => {
    expect(group('-12345.678')).toBe('-12,345.678')
    expect(group('1234567')).toBe('1,234,567')
    expect(group('+1000.12345')).toBe('+1,000.12345')
    expect(group('999.9999')).toBe('999.9999')
  })

  it('leaves text that is not plain decimal text alone', () => {
    expect(group('1e-7')).toBe('1e-7')
    expect(group('undefined')).toBe('undefined')
    expect(group('')).toBe('')
  })
})

describe('roundText', () => {
  it('rounds half away from zero on the exact digits', () => {
    expect(roundText('84512.3456', 2)).toBe('84512.35')
    expect(roundText('0.005', 2)).toBe('0.01')
    expect(roundText('-1.005', 2)).toBe('-1.01')
    expect(roundText('1.0049', 2)).toBe('1.00')
    // 1.005 is 1.00499999999999989... as a float: float rounding would give 1.00.
    expect(roundText('1.005', 2)).toBe('1.01')
  })

  it('carries through nines into a new leading digit', () => {
    expect(roundText('9.995', 2)).toBe('10.00')
    expect(roundText('99.5', 0)).toBe('100')
    expect(roundText('-999.999', 1)).toBe('-1000.0')
  })

  it('keeps digits a float cannot hold', () => {
    expect(roundText('123456789012345678.125', 2)).toBe('123456789012345678.13')
    expect(roundText('1.0000000000000000001', 2)).toBe('1.00')
  })

  it('pads short fractions and drops the sign of a value that rounds to zero', () => {
    expect(roundText('1.2', 4)).toBe('1.2000')
    expect(roundText('5', 2)).toBe('5.00')
    expect(roundText('5', 0)).toBe('5')
    expect(roundText('-0.001', 2)).toBe('0.00')
    expect(roundText('-0.004', 0)).toBe('0')
  })

  it('leaves text that is not plain decimal text alone', () => {
    expect(roundText('NaN', 2)).toBe('NaN')
    expect(roundText('+1.5', 0)).toBe('+1.5')
  })
})

describe('decimalsOf and pad', () => {
  it('counts decimals', () => {
    expect(decimalsOf('50000')).toBe(0)
    expect(decimalsOf('50000.1')).toBe(1)
    expect(decimalsOf('0.0001436')).toBe(7)
  })

  it('pads with zeros to at least the given decimals, never cutting', () => {
    expect(pad('50000.1', 2)).toBe('50000.10')
    expect(pad('5', 2)).toBe('5.00')
    expect(pad('-5', 1)).toBe('-5.0')
    expect(pad('1.234', 2)).toBe('1.234')
    expect(pad('7', 0)).toBe('7')
    expect(pad('abc', 2)).toBe('abc')
  })
})

describe('signs and tones', () => {
  it('reads the sign of decimal text, zero however it is written', () => {
    expect(signOf('-0.5')).toBe(-1)
    expect(signOf('0')).toBe(0)
    expect(signOf('0.000')).toBe(0)
    expect(signOf('3')).toBe(1)
  })

  it('adds + to positive text only', () => {
    expect(withSign('1.5')).toBe('+1.5')
    expect(withSign('-1.5')).toBe('-1.5')
    expect(withSign('0.00')).toBe('0.00')
  })

  it('names the direction and its arrow', () => {
    expect([toneOf(1), toneOf(-1), toneOf(0)]).toEqual(['up', 'down', 'flat'])
    expect([arrow(1), arrow(-1), arrow(0)]).toEqual(['▲', '▼', '•'])
  })

  it('writes signed percentages and money to two decimals', () => {
    expect(signedPercent('1.2126')).toBe('+1.21%')
    expect(signedPercent('-0.004')).toBe('0.00%')
    expect(signedPercent('-2.5')).toBe('-2.50%')
    expect(signedMoney('1012.5')).toBe('+1,012.50')
    expect(signedMoney('-12345.678')).toBe('-12,345.68')
    expect(money('84512.3456')).toBe('84,512.35')
  })
})

describe('compact', () => {
  it('abbreviates large figures to two decimals, from numbers or text', () => {
    expect(compact(18234.118)).toBe('18.23K')
    expect(compact('512340112.5')).toBe('512.34M')
    expect(compact(120)).toBe('120')
  })
})

describe('age', () => {
  it('says now for the first second and a half, then seconds, minutes, hours', () => {
    expect(age(0)).toBe('now')
    expect(age(1499)).toBe('now')
    expect(age(1500)).toBe('2s ago')
    expect(age(59_499)).toBe('59s ago')
    expect(age(59_500)).toBe('1m ago')
    expect(age(42 * 60_000)).toBe('42m ago')
    expect(age(3 * 3_600_000)).toBe('3h ago')
  })
})

describe('uptime, rate and counts', () => {
  it('writes uptime in seconds, whole minutes, then hours with one decimal', () => {
    expect(uptime(42.9)).toBe('42 s')
    expect(uptime(60)).toBe('1 min')
    expect(uptime(3599)).toBe('59 min')
    expect(uptime(3600)).toBe('1.0 h')
    expect(uptime(12_600)).toBe('3.5 h')
  })

  it('writes rates with one decimal below ten', () => {
    expect(rate(0)).toBe('0.0')
    expect(rate(9.94)).toBe('9.9')
    expect(rate(10)).toBe('10')
    expect(rate(99.6)).toBe('100')
  })

  it('pluralises counts other than one', () => {
    expect(count(1, 'client')).toBe('1 client')
    expect(count(0, 'client')).toBe('0 clients')
    expect(count(5, 'symbol')).toBe('5 symbols')
  })

  it('shortens lists past six names', () => {
    expect(shortList(['A', 'B'])).toBe('A, B')
    expect(shortList(['A', 'B', 'C', 'D', 'E', 'F'])).toBe('A, B, C, D, E, F')
    expect(shortList(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'])).toBe('A, B, C, D, E, F +2')
  })
})

describe('clockTime', () => {
  it('gives local wall-clock text and the exact ISO time', () => {
    const time = clockTime('2025-07-03T10:00:05.000Z')
    expect(time?.iso).toBe('2025-07-03T10:00:05.000Z')
    expect(time?.text).toMatch(/\d{2}\D\d{2}\D05/)
  })

  it('gives nothing for text that is not a time', () => {
    expect(clockTime('undefined')).toBeUndefined()
    expect(clockTime('')).toBeUndefined()
  })
})

describe('hue', () => {
  it('gives each name a stable hue', () => {
    // ((66 × 31 + 84) × 31 + 67) mod 360, from the char codes of B, T, C.
    expect(hue('BTC')).toBe(217)
    expect(hue('BTC')).toBe(hue('BTC'))
    expect(hue('ETH')).not.toBe(hue('BTC'))
    expect(hue('')).toBe(0)
  })
})
