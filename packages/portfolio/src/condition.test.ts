import { describe, expect, it } from 'vitest'
import { ALERT_OPERATORS, PortfolioError, conditionHolds, parseAlertCondition } from './index.js'
import { price } from './test-support/prices.js'

function parseError(text: string): PortfolioError {
  try {
    parseAlertCondition(text)
  } catch (error) {
    expect(error).toBeInstanceOf(PortfolioError)
    return error as PortfolioError
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`)
}

describe('parseAlertCondition', () => {
  it('parses every field and operator into a typed clause', () => {
    for (const field of ['price', 'change_24h', 'change_percent_24h', 'volume_24h'] as const) {
      for (const operator of ALERT_OPERATORS) {
        const condition = parseAlertCondition(`${field} ${operator} 42.5`)
        expect(condition.clauses).toHaveLength(1)
        expect(condition.clauses[0]?.field).toBe(field)
        expect(condition.clauses[0]?.operator).toBe(operator)
        expect(condition.clauses[0]?.value.toFixed()).toBe('42.5')
        expect(condition.text).toBe(`${field} ${operator} 42.5`)
      }
    }
  })

  it('joins clauses with and, normalizing case, spacing and numbers', () => {
    const condition = parseAlertCondition(
      '  PRICE>=50000.00   AND change_percent_24h<-2.50 and volume_24h > +1e3',
    )
    expect(condition.text).toBe(
      'price >= 50000 and change_percent_24h < -2.5 and volume_24h > 1000',
    )
    expect(condition.clauses.map((c) => [c.field, c.operator, c.value.toFixed()])).toEqual([
      ['price', '>=', '50000'],
      ['change_percent_24h', '<', '-2.5'],
      ['volume_24h', '>', '1000'],
    ])
    expect(parseAlertCondition('price crosses_above 0.00014360').text).toBe(
      'price crosses_above 0.0001436',
    )
  })

  it.each([
    ['', 0, /expected a field .* got the end of the condition/],
    [
      'prise > 5',
      0,
      /expected a field \(price, change_24h, change_percent_24h, volume_24h\), got "prise"/,
    ],
    ['price', 5, /expected an operator .* got the end/],
    ['price = 5', 6, /got "=" \(there is no equality test; use >= or <=\)/],
    ['price => 5', 6, /did you mean >=\?/],
    [
      'price above 5',
      6,
      /expected an operator \(> >= < <= crosses_above crosses_below\), got "above"/,
    ],
    ['price > ', 8, /expected a number .* got the end/],
    ['price > fifty', 8, /expected a number such as 50000, 0.5 or -2.5, got "fifty"/],
    ['price > 50,000', 8, /got "50,000"/],
    ['price > .5', 8, /got ".5"/],
    ['price > 1 or price < 0', 10, /expected "and" or the end .*\(only "and" is supported\)/],
    ['price > 1 && price < 2', 10, /join conditions with "and"/],
    ['price > 1 and', 13, /expected a field/],
    ['price > 1 5', 10, /expected "and"/],
    ['price > $5', 8, /unexpected character "\$"/],
    ['price > NaN', 8, /expected a number/],
    ['price > Infinity', 8, /expected a number/],
  ])('rejects %j at position %i', (text, position, message) => {
    const error = parseError(text)
    expect(error.reason).toBe('invalid-condition')
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.position).toBe(position)
    expect(error.message).toMatch(message)
    expect(error.message).toContain(`at position ${position}`)
    expect(error.message).toContain('e.g. price > 50000 and change_percent_24h < -5')
    // The caret line points at the position under the echoed condition.
    const lines = error.message.split('\n')
    expect(lines[2]?.indexOf('^')).toBe(position + 2)
  })

  it('rejects overlong conditions, too many clauses and non-text', () => {
    expect(parseError(`price > ${'1'.repeat(600)}`).message).toMatch(/at most 500 characters/)
    const many = Array.from({ length: 17 }, () => 'price > 1').join(' and ')
    expect(parseError(many).message).toMatch(/at most 16 clauses/)
    expect(parseError(42 as unknown as string).reason).toBe('invalid-condition')
  })
})

describe('conditionHolds', () => {
  const at = (p: string, extra: { change?: string; percent?: string; volume?: string } = {}) =>
    price('BTC', { price: p, timestamp: 1, ...extra })

  it('compares each field with each plain operator exactly at the boundary', () => {
    const update = at('50000', { change: '-10', percent: '-0.02', volume: '123.4' })
    const holds = (text: string) => conditionHolds(parseAlertCondition(text), update, undefined)
    expect(holds('price > 50000')).toBe(false)
    expect(holds('price >= 50000')).toBe(true)
    expect(holds('price < 50000')).toBe(false)
    expect(holds('price <= 50000')).toBe(true)
    expect(holds('price > 49999.99999999')).toBe(true)
    expect(holds('change_24h < -9.99')).toBe(true)
    expect(holds('change_percent_24h >= -0.02')).toBe(true)
    expect(holds('volume_24h > 123.39')).toBe(true)
    expect(holds('price > 1 and volume_24h > 1000')).toBe(false)
    expect(holds('price > 1 and volume_24h < 1000')).toBe(true)
  })

  it('detects crossings only against a previous update', () => {
    const above = parseAlertCondition('price crosses_above 100')
    const below = parseAlertCondition('price crosses_below 100')
    expect(conditionHolds(above, at('101'), undefined)).toBe(false)
    expect(conditionHolds(above, at('101'), at('99'))).toBe(true)
    expect(conditionHolds(above, at('101'), at('100'))).toBe(true)
    expect(conditionHolds(above, at('100'), at('99'))).toBe(false)
    expect(conditionHolds(above, at('102'), at('101'))).toBe(false)
    expect(conditionHolds(below, at('99'), at('101'))).toBe(true)
    expect(conditionHolds(below, at('99'), at('100'))).toBe(true)
    expect(conditionHolds(below, at('100'), at('101'))).toBe(false)
    expect(conditionHolds(below, at('98'), at('99'))).toBe(false)
  })
})
