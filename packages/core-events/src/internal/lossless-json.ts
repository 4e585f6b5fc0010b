/** A JSON number kept as its source text, so decimals survive parsing exactly. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type LosslessValue =
  string | boolean | null | JsonNumber | LosslessValue[] | { [key: string]: LosslessValue }

const MAX_DEPTH = 64
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

class ParseError extends Error {}

/**
 * A small strict JSON parser that returns numbers as {@link JsonNumber}. `JSON.parse` would turn
 * `0.10000000000000000555` into a float; Node 20 has no reviver `source` to recover the text.
 * Returns `undefined` for invalid JSON or nesting deeper than 64.
 */
export function parseLosslessJson(text: string): LosslessValue | undefined {
  let pos = 0

  const fail = (): never => {
    throw new ParseError(`invalid JSON at ${pos}`)
  }
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos)
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++
      else return
    }
  }
  const parseString = (): string => {
    // Let the native parser validate escapes and control characters of just this token.
    const start = pos
    pos++
    for (;;) {
      const c = text.charCodeAt(pos)
      if (Number.isNaN(c)) fail()
      if (c === 92) pos += 2
      else if (c === 34) break
      else pos++
    }
    pos++
    try {
      return JSON.parse(text.slice(start, pos)) as string
    } catch {
      return fail()
    }
  }
  const parseValue = (depth: number): LosslessValue => {
    if (depth > MAX_DEPTH) fail()
    skipSpace()
    const c = text[pos]
    if (c === '{') {
      pos++
      const object: Record<string, LosslessValue> = {}
      skipSpace()
      if (text[pos] === '}') {
        pos++
        return object
      }
      for (;;) {
        skipSpace()
        if (text[pos] !== '"') fail()
        const key = parseString()
        skipSpace()
        if (text[pos] !== ':') fail()
        pos++
        Object.defineProperty(object, key, {
          value: parseValue(depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        })
        skipSpace()
        if (text[pos] === ',') pos++
        else if (text[pos] === '}') {
          pos++
          return object
        } else fail()
      }
    }
    if (c === '[') {
      pos++
      const array: LosslessValue[] = []
      skipSpace()
      if (text[pos] === ']') {
        pos++
        return array
      }
      for (;;) {
        array.push(parseValue(depth + 1))
        skipSpace()
        if (text[pos] === ',') pos++
        else if (text[pos] === ']') {
          pos++
          return array
        } else fail()
      }
    }
    if (c === '"') return parseString()
    if (text.startsWith('true', pos)) {
      pos += 4
      return true
    }
    if (text.startsWith('false', pos)) {
      pos += 5
      return false
    }
    if (text.startsWith('null', pos)) {
      pos += 4
      return null
    }
    NUMBER.lastIndex = pos
    const match = NUMBER.exec(text)
    if (match === null) return fail()
    pos += match[0].length
    return new JsonNumber(match[0])
  }

  try {
    const value = parseValue(0)
    skipSpace()
    return pos === text.length ? value : undefined
  } catch (error) {
    if (error instanceof ParseError) return undefined
    throw error
  }
}
