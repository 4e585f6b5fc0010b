/**
 * A one-pass reader for the one shape every ticker frame has: a flat JSON object of strings,
 * numbers, `true`, `false` and `null`. It checks the whole text against the JSON grammar, like
 * `JSON.parse`, but keeps only the values of the keys a parser asks for, so the twenty-odd other
 * fields of a ticker are never allocated.
 *
 * It only ever says "this text is exactly that": anything outside the shape it knows (an escape
 * in a string, a nested object or array, a key asked for twice, a key that makes the frame
 * something other than a ticker) makes it give up, and the caller goes the `JSON.parse` way. So
 * whatever it accepts, `JSON.parse` reads the same (`flat-json.test.ts` checks that on fuzzed
 * text), and every frame it refuses is still judged by the full parser.
 */

/** The keys a parser wants, each with the slot its value goes to. */
export interface FlatKeys {
  readonly names: readonly string[]
  /** By key length, then first character code: `[name, slot]` pairs. Slot -1: give up. */
  readonly table: readonly (readonly (readonly (readonly [string, number])[] | undefined)[])[]
}

/**
 * `wanted[i]` is read into slot `i`; a key in `giveUpOn` makes {@link readFlatObject} give up
 * (a key that would make the full parser classify the frame differently).
 */
export function flatKeys(wanted: readonly string[], giveUpOn: readonly string[]): FlatKeys {
  // Slots seen are tracked as bits of one small integer.
  if (wanted.length > 30) throw new RangeError('flatKeys reads at most 30 keys')
  const table: (readonly [string, number])[][][] = []
  const add = (name: string, slot: number): void => {
    const byFirst = (table[name.length] ??= [])
    ;(byFirst[name.charCodeAt(0)] ??= []).push([name, slot])
  }
  wanted.forEach((name, slot) => {
    add(name, slot)
  })
  for (const name of giveUpOn) add(name, -1)
  return { names: wanted, table }
}

/** Outside strings only spaces remain possible (see {@link UNUSUAL}). */
const isSpace = (code: number): boolean => code === 32
const isDigit = (code: number): boolean => code >= 48 && code <= 57

/** The slot of the key at `text[start, end)`, -1 to give up, -2 for a key not asked for. */
function slotOf(keys: FlatKeys, text: string, start: number, end: number): number {
  const candidates = keys.table[end - start]?.[text.charCodeAt(start)]
  if (candidates === undefined) return -2
  for (const [name, slot] of candidates) {
    if (name.length === 1 || text.startsWith(name, start)) return slot
  }
  return -2
}

/**
 * A backslash (an escape to decode) or a control character (not allowed raw in a JSON string;
 * outside strings only as whitespace, which exchanges do not send) anywhere: give up at once.
 * One native scan; after it, a string ends at the next quote.
 */
const UNUSUAL = /[^ -[\]-\uffff]/

/** End of the string whose opening quote is at `at` (past its closing quote), or 0. */
const stringEnd = (text: string, at: number): number => text.indexOf('"', at + 1) + 1

/** End of the JSON number starting at `at`, or -1 when it is not one. */
function numberEnd(text: string, at: number): number {
  let i = at
  if (text.charCodeAt(i) === 45) i++
  const first = text.charCodeAt(i)
  if (first === 48) i++
  else if (first >= 49 && first <= 57) {
    i++
    while (isDigit(text.charCodeAt(i))) i++
  } else return -1
  if (text.charCodeAt(i) === 46) {
    i++
    if (!isDigit(text.charCodeAt(i))) return -1
    while (isDigit(text.charCodeAt(i))) i++
  }
  const e = text.charCodeAt(i)
  if (e === 101 || e === 69) {
    i++
    const sign = text.charCodeAt(i)
    if (sign === 43 || sign === 45) i++
    if (!isDigit(text.charCodeAt(i))) return -1
    while (isDigit(text.charCodeAt(i))) i++
  }
  return i
}

/**
 * Reads `text` as a flat JSON object into `values` (one slot per wanted key, `undefined` when
 * the key is absent). Returns false, with `values` in any state, to give up.
 */
export function readFlatObject(text: string, keys: FlatKeys, values: unknown[]): boolean {
  if (UNUSUAL.test(text)) return false
  const length = text.length
  const wanted = keys.names.length
  for (let slot = 0; slot < wanted; slot++) values[slot] = undefined
  let seen = 0
  let i = 0
  while (isSpace(text.charCodeAt(i))) i++
  if (text.charCodeAt(i) !== 123) return false
  i++
  while (isSpace(text.charCodeAt(i))) i++
  if (text.charCodeAt(i) === 125) {
    i++
  } else {
    for (;;) {
      // "key"
      if (text.charCodeAt(i) !== 34) return false
      const keyEnd = stringEnd(text, i)
      if (keyEnd === 0) return false
      const slot = slotOf(keys, text, i + 1, keyEnd - 1)
      if (slot === -1) return false
      i = keyEnd
      while (isSpace(text.charCodeAt(i))) i++
      if (text.charCodeAt(i) !== 58) return false
      i++
      while (isSpace(text.charCodeAt(i))) i++
      // value
      const code = text.charCodeAt(i)
      let value: unknown
      let end: number
      if (code === 34) {
        end = stringEnd(text, i)
        if (end === 0) return false
        if (slot >= 0) value = text.slice(i + 1, end - 1)
      } else if (code === 45 || isDigit(code)) {
        end = numberEnd(text, i)
        if (end < 0) return false
        if (slot >= 0) value = Number(text.slice(i, end))
      } else if (code === 116 && text.startsWith('true', i)) {
        end = i + 4
        value = true
      } else if (code === 102 && text.startsWith('false', i)) {
        end = i + 5
        value = false
      } else if (code === 110 && text.startsWith('null', i)) {
        end = i + 4
        value = null
      } else {
        // A nested object or array, or not JSON at all: the full parser decides.
        return false
      }
      if (slot >= 0) {
        // JSON.parse keeps the last of repeated keys; rare enough to leave to it.
        const bit = 1 << slot
        if ((seen & bit) !== 0) return false
        seen |= bit
        values[slot] = value
      }
      i = end
      while (isSpace(text.charCodeAt(i))) i++
      const next = text.charCodeAt(i)
      i++
      if (next === 125) break
      if (next !== 44) return false
      while (isSpace(text.charCodeAt(i))) i++
    }
  }
  while (i < length && isSpace(text.charCodeAt(i))) i++
  return i === length
}
