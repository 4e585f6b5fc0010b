/** A JSON number kept as its source text, so decimals survive parsing exactly. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type LosslessValue =
  string | boolean | null | JsonNumber | LosslessValue[] | { [key: string]: LosslessValue }

const MAX_DEPTH = 64
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

const QUOTE = 34
const BACKSLASH = 92
const SPACE = 32
const TAB = 9
const NEWLINE = 10
const RETURN = 13

class ParseError extends Error {}

/**
 * A small strict JSON parser that returns numbers as {@link JsonNumber}. `JSON.parse` would turn
 * `0.10000000000000000555` into a float; Node 20 has no reviver `source` to recover the text.
 * Returns `undefined` for invalid JSON or nesting deeper than 64; a `"__proto__"` key is an own
 * property, as `JSON.parse` makes it. Its verdict on any text is `JSON.parse`'s (a differential
 * test holds it to that).
 */
export function parseLosslessJson(text: string): LosslessValue | undefined {
  let pos = 0
  const length = text.length

  const fail = (): never => {
    throw new ParseError(`invalid JSON at ${pos}`)
  }
  const skipSpace = (): void => {
    while (pos < length) {
      const c = text.charCodeAt(pos)
      if (c === SPACE || c === TAB || c === NEWLINE || c === RETURN) pos++
      else return
    }
  }
  const parseString = (): string => {
    const start = pos
    pos++
    let plain = true
    for (;;) {
      if (pos >= length) fail()
      const c = text.charCodeAt(pos)
      if (c === QUOTE) break
      if (c === BACKSLASH) {
        plain = false
        pos += 2
      } else {
        // Control characters must be escaped in JSON; the native parser words the refusal.
        if (c < SPACE) plain = false
        pos++
      }
    }
    pos++
    // Most strings have no escape: their text is the value. The rest go through the native
    // parser, which validates escapes and control characters of just this token.
    if (plain) return text.slice(start + 1, pos - 1)
    try {
      return JSON.parse(text.slice(start, pos)) as string
    } catch {
      return fail()
    }
  }
  const literal = (word: string): void => {
    if (!text.startsWith(word, pos)) fail()
    pos += word.length
  }
  const parseValue = (depth: number): LosslessValue => {
    if (depth > MAX_DEPTH) fail()
    skipSpace()
    const c = text.charCodeAt(pos)
    if (c === 123 /* { */) {
      pos++
      const object: Record<string, LosslessValue> = {}
      skipSpace()
      if (text.charCodeAt(pos) === 125 /* } */) {
        pos++
        return object
      }
      for (;;) {
        skipSpace()
        if (text.charCodeAt(pos) !== QUOTE) fail()
        const key = parseString()
        skipSpace()
        if (text.charCodeAt(pos) !== 58 /* : */) fail()
        pos++
        const value = parseValue(depth + 1)
        // `"__proto__"` must become an own property, as JSON.parse makes it, not the prototype.
        if (key === '__proto__') {
          Object.defineProperty(object, key, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          })
        } else {
          object[key] = value
        }
        skipSpace()
        const next = text.charCodeAt(pos)
        if (next === 44 /* , */) pos++
        else if (next === 125 /* } */) {
          pos++
          return object
        } else fail()
      }
    }
    if (c === 91 /* [ */) {
      pos++
      const array: LosslessValue[] = []
      skipSpace()
      if (text.charCodeAt(pos) === 93 /* ] */) {
        pos++
        return array
      }
      for (;;) {
        array.push(parseValue(depth + 1))
        skipSpace()
        const next = text.charCodeAt(pos)
        if (next === 44 /* , */) pos++
        else if (next === 93 /* ] */) {
          pos++
          return array
        } else fail()
      }
    }
    if (c === QUOTE) return parseString()
    if (c === 116 /* t */) {
      literal('true')
      return true
    }
    if (c === 102 /* f */) {
      literal('false')
      return false
    }
    if (c === 110 /* n */) {
      literal('null')
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
    return pos === length ? value : undefined
  } catch (error) {
    if (error instanceof ParseError) return undefined
    throw error
  }
}
