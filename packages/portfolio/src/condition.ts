import { Decimal, formatDecimal, parseDecimal } from '@crypto-analyzer/core-events'
import type { PriceUpdate } from '@crypto-analyzer/core-events'
import { PortfolioError } from './errors.js'

/** The price-update fields a condition can test. */
export type AlertField = 'price' | 'change_24h' | 'change_percent_24h' | 'volume_24h'

/** Comparison operators. `crosses_*` compare with the previous update from the same source. */
export type AlertOperator = '>' | '>=' | '<' | '<=' | 'crosses_above' | 'crosses_below'

/** One `<field> <op> <number>` test. */
export interface AlertClause {
  readonly field: AlertField
  readonly operator: AlertOperator
  readonly value: Decimal
}

/** A parsed condition: every clause must hold (`and`). */
export interface AlertCondition {
  readonly clauses: readonly AlertClause[]
  /** The normalized text: lower-case names, single spaces, numbers without trailing zeros. */
  readonly text: string
}

export const ALERT_FIELDS: readonly AlertField[] = [
  'price',
  'change_24h',
  'change_percent_24h',
  'volume_24h',
]
export const ALERT_OPERATORS: readonly AlertOperator[] = [
  '>',
  '>=',
  '<',
  '<=',
  'crosses_above',
  'crosses_below',
]

const EXAMPLE = 'price > 50000 and change_percent_24h < -5'
const MAX_LENGTH = 500
const MAX_CLAUSES = 16

interface Token {
  readonly kind: 'word' | 'op' | 'number' | 'end'
  readonly text: string
  readonly start: number
}

function fail(source: string, position: number, problem: string): never {
  const shown = source.replace(/[\r\n\t]/g, ' ')
  throw new PortfolioError(
    'invalid-condition',
    `invalid alert condition at position ${position}: ${problem}\n` +
      `  ${shown}\n  ${' '.repeat(position)}^\n` +
      `a condition is <field> <op> <number>, joined with "and"; e.g. ${EXAMPLE}`,
    { position },
  )
}

const describe = (token: Token): string =>
  token.kind === 'end' ? 'the end of the condition' : JSON.stringify(token.text)

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const ch = source.charAt(i)
    if (/\s/.test(ch)) {
      i++
      continue
    }
    const start = i
    if (/[A-Za-z_]/.test(ch)) {
      while (i < source.length && /[A-Za-z0-9_]/.test(source.charAt(i))) i++
      tokens.push({ kind: 'word', text: source.slice(start, i), start })
    } else if (/[0-9.+-]/.test(ch)) {
      i++
      while (i < source.length && /[0-9A-Za-z._,+-]/.test(source.charAt(i))) {
        // A sign inside a number only follows an exponent marker (1e-5).
        const c = source.charAt(i)
        if ((c === '+' || c === '-') && !/[eE]/.test(source.charAt(i - 1))) break
        i++
      }
      tokens.push({ kind: 'number', text: source.slice(start, i), start })
    } else if (/[<>=!&|]/.test(ch)) {
      while (i < source.length && /[<>=!&|]/.test(source.charAt(i))) i++
      tokens.push({ kind: 'op', text: source.slice(start, i), start })
    } else {
      fail(source, start, `unexpected character ${JSON.stringify(ch)}`)
    }
  }
  tokens.push({ kind: 'end', text: '', start: source.length })
  return tokens
}

const OP_HINTS: Record<string, string> = {
  '=': 'there is no equality test; use >= or <=',
  '==': 'there is no equality test; use >= or <=',
  '!=': 'there is no inequality test; use > or <',
  '=>': 'did you mean >=?',
  '=<': 'did you mean <=?',
  '&&': 'join conditions with "and"',
}

/**
 * Parses the contract's alert grammar: `<field> <op> <number>` clauses joined with `and`, field
 * one of `price change_24h change_percent_24h volume_24h`, op one of
 * `> >= < <= crosses_above crosses_below`. Names are case-insensitive. Throws
 * `PortfolioError` reason `invalid-condition` whose `position` (0-based) and message point at
 * the problem and show a valid example.
 */
export function parseAlertCondition(text: string): AlertCondition {
  if (typeof text !== 'string') {
    throw new PortfolioError(
      'invalid-condition',
      `an alert condition must be text; e.g. ${EXAMPLE}`,
      { position: 0 },
    )
  }
  if (text.length > MAX_LENGTH) {
    fail(
      text.slice(0, 60),
      60,
      `a condition is at most ${MAX_LENGTH} characters (got ${text.length})`,
    )
  }
  const tokens = tokenize(text)
  let index = 0
  const next = (): Token => tokens[index++] ?? { kind: 'end', text: '', start: text.length }
  const clauses: AlertClause[] = []
  for (;;) {
    const fieldToken = next()
    const field = fieldToken.text.toLowerCase() as AlertField
    if (fieldToken.kind !== 'word' || !ALERT_FIELDS.includes(field)) {
      fail(
        text,
        fieldToken.start,
        `expected a field (${ALERT_FIELDS.join(', ')}), got ${describe(fieldToken)}`,
      )
    }
    const opToken = next()
    const operator = opToken.text.toLowerCase() as AlertOperator
    if (!ALERT_OPERATORS.includes(operator) || opToken.kind === 'number') {
      const hint = OP_HINTS[opToken.text]
      fail(
        text,
        opToken.start,
        `expected an operator (${ALERT_OPERATORS.join(' ')}), got ${describe(opToken)}` +
          (hint === undefined ? '' : ` (${hint})`),
      )
    }
    const numberToken = next()
    const numberText = numberToken.text.startsWith('+')
      ? numberToken.text.slice(1)
      : numberToken.text
    const value = numberToken.kind === 'number' ? parseDecimal(numberText) : undefined
    if (value === undefined) {
      fail(
        text,
        numberToken.start,
        `expected a number such as 50000, 0.5 or -2.5, got ${describe(numberToken)}`,
      )
    }
    clauses.push({ field, operator, value: new Decimal(value) })
    const joiner = next()
    if (joiner.kind === 'end') break
    if (joiner.kind !== 'word' || joiner.text.toLowerCase() !== 'and') {
      const hint =
        OP_HINTS[joiner.text] ??
        (joiner.text.toLowerCase() === 'or' ? 'only "and" is supported' : undefined)
      fail(
        text,
        joiner.start,
        `expected "and" or the end of the condition, got ${describe(joiner)}` +
          (hint === undefined ? '' : ` (${hint})`),
      )
    }
    if (clauses.length >= MAX_CLAUSES) {
      fail(text, joiner.start, `at most ${MAX_CLAUSES} clauses can be joined with "and"`)
    }
  }
  return {
    clauses,
    text: clauses
      .map((clause) => `${clause.field} ${clause.operator} ${formatDecimal(clause.value)}`)
      .join(' and '),
  }
}

/** The tested value of `field` in `update`. */
export function fieldValue(update: PriceUpdate, field: AlertField): Decimal {
  switch (field) {
    case 'price':
      return update.price
    case 'change_24h':
      return update.change24h
    case 'change_percent_24h':
      return update.changePercent24h
    case 'volume_24h':
      return update.volume24h
  }
}

/**
 * Whether every clause holds for `update`. `crosses_above v` holds when the previous update from
 * the same source was at or below `v` and this one is above it (`crosses_below` mirrors it);
 * without a previous update it does not hold.
 */
export function conditionHolds(
  condition: AlertCondition,
  update: PriceUpdate,
  previous: PriceUpdate | undefined,
): boolean {
  for (const clause of condition.clauses) {
    const current = fieldValue(update, clause.field)
    let holds: boolean
    switch (clause.operator) {
      case '>':
        holds = current.gt(clause.value)
        break
      case '>=':
        holds = current.gte(clause.value)
        break
      case '<':
        holds = current.lt(clause.value)
        break
      case '<=':
        holds = current.lte(clause.value)
        break
      case 'crosses_above':
        holds =
          previous !== undefined &&
          fieldValue(previous, clause.field).lte(clause.value) &&
          current.gt(clause.value)
        break
      case 'crosses_below':
        holds =
          previous !== undefined &&
          fieldValue(previous, clause.field).gte(clause.value) &&
          current.lt(clause.value)
        break
    }
    if (!holds) return false
  }
  return true
}
