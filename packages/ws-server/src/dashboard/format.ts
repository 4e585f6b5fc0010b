// Text for the page: exact decimal text in and out (never through a float where the digits show),
// times, ages, percentages and counts. Pure functions, no DOM.

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/
const ZERO = /^[0.]+$/

/** Groups the integer digits of exact decimal text: `-12345.678` → `-12,345.678`. */
export function group(text: string): string {
  const match = /^([-+]?)(\d+)(\.\d+)?$/.exec(text)
  if (match === null) return text
  const [, sign = '', whole = '', fraction = ''] = match
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + fraction
}

/** Rounds exact decimal text half away from zero to `digits` decimals, without floats. */
export function roundText(text: string, digits: number): string {
  const match = DECIMAL.exec(text)
  if (match === null) return text
  const [, sign = '', whole = '', fraction = ''] = match
  if (fraction.length <= digits)
    return `${sign}${whole}${digits > 0 ? '.' : ''}${fraction.padEnd(digits, '0')}`
  const kept = (whole + fraction.slice(0, digits)).split('').map(Number)
  if (Number(fraction[digits]) >= 5) {
    let index = kept.length - 1
    for (; index >= 0; index--) {
      const digit = (kept[index] ?? 0) + 1
      if (digit < 10) {
        kept[index] = digit
        break
      }
      kept[index] = 0
    }
    if (index < 0) kept.unshift(1)
  }
  const all = kept.join('')
  const cut = all.length - digits
  const result = digits > 0 ? `${all.slice(0, cut)}.${all.slice(cut)}` : all
  // A value that rounds to zero loses its minus sign: `-0.001` → `0.00`.
  return ZERO.test(result) ? result : sign + result
}

/** How many decimals exact decimal text has. */
export function decimalsOf(text: string): number {
  const dot = text.indexOf('.')
  return dot < 0 ? 0 : text.length - dot - 1
}

/** Pads exact decimal text with zeros to at least `digits` decimals. */
export function pad(text: string, digits: number): string {
  if (!DECIMAL.test(text)) return text
  const missing = digits - decimalsOf(text)
  if (missing <= 0) return text
  return `${text}${text.includes('.') ? '' : '.'}${'0'.repeat(missing)}`
}

export type Sign = -1 | 0 | 1

/** The sign of exact decimal text: zero for `0`, `0.00` and the like. */
export function signOf(text: string): Sign {
  return text.startsWith('-') ? -1 : ZERO.test(text) ? 0 : 1
}

/** Puts a `+` before positive decimal text. */
export function withSign(text: string): string {
  return signOf(text) > 0 ? `+${text}` : text
}

export type Tone = 'up' | 'down' | 'flat'

/** The CSS class for a direction. */
export function toneOf(sign: number): Tone {
  return sign > 0 ? 'up' : sign < 0 ? 'down' : 'flat'
}

export function arrow(sign: number): string {
  return sign > 0 ? '▲' : sign < 0 ? '▼' : '•'
}

/** `+1.21%`: decimal percent text rounded to 2 decimals, signed. */
export function signedPercent(text: string): string {
  return `${withSign(roundText(text, 2))}%`
}

/** `+1,012.50`: money text rounded to cents, grouped and signed. */
export function signedMoney(text: string): string {
  return group(withSign(roundText(text, 2)))
}

/** `1,012.50`: money text rounded to cents and grouped. */
export function money(text: string): string {
  return group(roundText(text, 2))
}

const compactFormat = new Intl.NumberFormat('en', {
  notation: 'compact',
  maximumFractionDigits: 2,
})

/** `18.23K`: a volume or count, where the exact digits do not matter. */
export function compact(value: number | string): string {
  return compactFormat.format(Number(value))
}

/** How long ago, from milliseconds: `now`, `12s ago`, `3m ago`, `2h ago`. */
export function age(ms: number): string {
  if (ms < 1500) return 'now'
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${seconds}s ago`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes}m ago`
  return `${Math.round(minutes / 60)}h ago`
}

/** A server's uptime: `42 s`, `12 min`, `3.5 h`. */
export function uptime(seconds: number): string {
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`
  if (seconds >= 60) return `${Math.floor(seconds / 60)} min`
  return `${Math.floor(seconds)} s`
}

/** Messages per second: one decimal below 10. */
export function rate(perSecond: number): string {
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)
}

/** `5 symbols`, `1 client`. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`
}

/** A short list: the first `shown` names, then `+N` for the rest. */
export function shortList(names: readonly string[], shown = 6): string {
  return names.length > shown
    ? `${names.slice(0, shown).join(', ')} +${names.length - shown}`
    : names.join(', ')
}

const clockFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

export interface ClockTime {
  /** The local wall-clock time, for reading. */
  readonly text: string
  /** ISO 8601, for `<time datetime>`. */
  readonly iso: string
}

/** An ISO timestamp as local wall-clock time, or undefined when it is not a time. */
export function clockTime(timestamp: string): ClockTime | undefined {
  const time = new Date(timestamp)
  if (Number.isNaN(time.getTime())) return undefined
  return { text: clockFormat.format(time), iso: time.toISOString() }
}

/** A stable hue (0–359) for a name, so each symbol's avatar keeps its colour. */
export function hue(text: string): number {
  let hash = 0
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return hash % 360
}
