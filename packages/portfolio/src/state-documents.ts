import { formatDecimal } from '@crypto-analyzer/core-events'
import type { AlertDefinition } from './alerts.js'
import { createAlertId } from './alerts.js'
import { parseAlertCondition } from './condition.js'
import { PortfolioError } from './errors.js'
import { toDecimal, toInteger, toSymbol } from './internal/input.js'

/** The schema version this package reads and writes. */
export const STATE_VERSION = 1

/** A saved holding; decimals are kept as exact text. */
export interface HoldingRecord {
  readonly symbol: string
  readonly amount: string
  readonly costBasis?: string
}

type Kind = 'holdings' | 'alerts'

const corrupt = (path: string, problem: string, cause?: unknown): PortfolioError =>
  new PortfolioError(
    'corrupt-file',
    `${path} is corrupt (${problem}); it was left untouched: fix or move it aside`,
    { path, ...(cause === undefined ? {} : { cause }) },
  )

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function checkHolding(value: unknown, where: string): HoldingRecord {
  if (!isRecord(value)) throw new PortfolioError('invalid-input', `${where} must be an object`)
  const symbol = toSymbol(value['symbol'])
  const amount = formatDecimal(toDecimal(value['amount'], `${where}.amount`, 'positive', '"0.5"'))
  const cost = value['costBasis']
  if (cost === undefined || cost === null) return { symbol, amount }
  const costBasis = formatDecimal(toDecimal(cost, `${where}.costBasis`, 'non-negative', '"42000"'))
  return { symbol, amount, costBasis }
}

function checkAlert(
  value: unknown,
  where: string,
  fill: { taken: Set<string>; now: number } | undefined,
): AlertDefinition {
  if (!isRecord(value)) throw new PortfolioError('invalid-input', `${where} must be an object`)
  let id = value['id']
  if (id === undefined && fill !== undefined) {
    let fresh = createAlertId()
    while (fill.taken.has(fresh)) fresh = createAlertId()
    id = fresh
  }
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new PortfolioError(
      'invalid-input',
      `${where}.id must be 1 to 64 letters, digits, "_" or "-"`,
    )
  }
  const symbol = toSymbol(value['symbol'])
  const condition = value['condition']
  if (typeof condition !== 'string') {
    throw new PortfolioError(
      'invalid-input',
      `${where}.condition must be text like "price > 50000"`,
    )
  }
  const text = parseAlertCondition(condition).text
  const message = value['message']
  if (message !== undefined && typeof message !== 'string') {
    throw new PortfolioError('invalid-input', `${where}.message must be text`)
  }
  const cooldown =
    value['cooldown'] === undefined ? 0 : toInteger(value['cooldown'], 0, `${where}.cooldown`)
  const createdAt = value['createdAt'] ?? fill?.now
  if (createdAt !== undefined && (typeof createdAt !== 'number' || !Number.isFinite(createdAt))) {
    throw new PortfolioError('invalid-input', `${where}.createdAt must be epoch milliseconds`)
  }
  return {
    id,
    symbol,
    condition: text,
    ...(message === undefined ? {} : { message }),
    ...(cooldown === 0 ? {} : { cooldown }),
    ...(createdAt === undefined ? {} : { createdAt }),
  }
}

/** Validates a whole list; duplicates (symbol for holdings, id for alerts) are refused. */
function checkList<T>(
  kind: Kind,
  items: unknown,
  check: (value: unknown, where: string) => T,
  key: (item: T) => string,
): T[] {
  if (!Array.isArray(items)) throw new PortfolioError('invalid-input', `${kind} must be a list`)
  const seen = new Set<string>()
  return items.map((item: unknown, index) => {
    const where = `${kind}[${index}]`
    const checked = check(item, where)
    const k = key(checked)
    if (seen.has(k)) {
      throw new PortfolioError(
        'invalid-input',
        `${where} repeats ${JSON.stringify(k)}; each must appear once`,
      )
    }
    seen.add(k)
    return checked
  })
}

/** A saved-state document: how one kind (holdings or alerts) is read, validated and written. */
export interface StateDocument<T> {
  /** `holdings` or `alerts`: the list's field in the document (and the file's base name). */
  readonly kind: 'holdings' | 'alerts'
  /**
   * Reads a stored document `{"version":1,"<kind>":[...]}`. `source` (a file path, a Redis key)
   * names it in errors: `corrupt-file` or `unsupported-version`, with `path` set to `source`.
   */
  parse(text: string, source: string): T[]
  /**
   * Validates and normalizes a list about to be stored (throws `invalid-input`): upper-case
   * symbols, exact decimal text, normalized conditions, no duplicates; alerts without an `id` get
   * a fresh one and without `createdAt` get `now`.
   */
  normalize(items: unknown, now: number): T[]
  /** The document text of a normalized list (what {@link parse} reads back). */
  serialize(items: readonly T[]): string
}

const makeDocument = <T>(
  kind: Kind,
  check: (items: unknown, fill: { now: number } | undefined) => T[],
): StateDocument<T> => ({
  kind,
  parse(text, source) {
    let document: unknown
    try {
      document = JSON.parse(text)
    } catch (error) {
      throw corrupt(source, `not valid JSON: ${(error as Error).message}`, error)
    }
    if (!isRecord(document)) throw corrupt(source, 'not a JSON object')
    const version = document['version']
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      throw corrupt(source, 'no valid "version" field')
    }
    if (version > STATE_VERSION) {
      throw new PortfolioError(
        'unsupported-version',
        `${source} has version ${version}, written by a newer crypto-analyzer (this one reads ` +
          `version ${STATE_VERSION}); it was left untouched: upgrade crypto-analyzer`,
        { path: source },
      )
    }
    try {
      return check(document[kind], undefined)
    } catch (error) {
      throw corrupt(source, (error as Error).message, error)
    }
  },
  normalize: (items, now) => check(items, { now }),
  serialize: (items) => `${JSON.stringify({ version: STATE_VERSION, [kind]: items }, null, 2)}\n`,
})

/**
 * The two saved-state documents, shared by the file store and other stores (ws-server's Redis
 * store), so every store reads and writes exactly the same shape with the same rules.
 */
export const stateDocuments: {
  readonly holdings: StateDocument<HoldingRecord>
  readonly alerts: StateDocument<AlertDefinition>
} = {
  holdings: makeDocument('holdings', (items) =>
    checkList('holdings', items, checkHolding, (h) => h.symbol),
  ),
  alerts: makeDocument('alerts', (items, fill) => {
    const taken = new Set<string>()
    if (fill !== undefined && Array.isArray(items)) {
      for (const item of items as unknown[]) {
        if (isRecord(item) && typeof item['id'] === 'string') taken.add(item['id'])
      }
    }
    const context = fill === undefined ? undefined : { taken, now: fill.now }
    return checkList(
      'alerts',
      items,
      (value, where) => {
        const alert = checkAlert(value, where, context)
        taken.add(alert.id ?? '')
        return alert
      },
      (a) => a.id ?? '',
    )
  }),
}
