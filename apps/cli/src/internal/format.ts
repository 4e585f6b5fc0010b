import { stripVTControlCharacters } from 'node:util'
import { Decimal, formatDecimal } from '@crypto-analyzer/core-events'
import pc from 'picocolors'

export type Colors = ReturnType<typeof pc.createColors>

/** Colors for a stream: on for a terminal unless NO_COLOR is set, forced by FORCE_COLOR. */
export function colorsFor(stream: { isTTY?: boolean | undefined }): Colors {
  const env = process.env
  const forced = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0'
  const disabled = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== ''
  return pc.createColors(forced || (!disabled && stream.isTTY === true))
}

/** The exact decimal text, as on the wire. */
export function exact(value: Decimal): string {
  return formatDecimal(value)
}

/** `+1000.5` / `-12.25` / `0`: exact, with an explicit sign. */
export function signed(value: Decimal): string {
  return value.isPositive() && !value.isZero() ? `+${exact(value)}` : exact(value)
}

/** `+2.50%`: a percentage rounded to two places for display. */
export function percent(value: Decimal): string {
  const text = value.toFixed(2)
  const zero = /^-?0\.00$/.test(text)
  if (zero) return '0.00%'
  return value.isPositive() ? `+${text}%` : `${text}%`
}

/** `1.23M`: a compact volume for a narrow column. */
export function compact(value: Decimal): string {
  const abs = value.abs()
  const units: [Decimal, string][] = [
    [new Decimal('1e12'), 'T'],
    [new Decimal('1e9'), 'B'],
    [new Decimal('1e6'), 'M'],
    [new Decimal('1e3'), 'K'],
  ]
  for (const [size, unit] of units) {
    if (abs.gte(size)) return `${value.div(size).toFixed(2)}${unit}`
  }
  return value.toFixed(abs.lt(1) ? 4 : 2)
}

/** A money amount rounded to cents for display (`1234.57`), exact digits otherwise. */
export function money(value: Decimal): string {
  return value.toFixed(2)
}

/** `0.4s`, `12s`, `3m 05s`, `2h 01m`: how long ago something happened. */
export function age(ms: number): string {
  const clamped = Math.max(0, ms)
  if (clamped < 10_000) return `${(clamped / 1000).toFixed(1)}s`
  const seconds = Math.floor(clamped / 1000)
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`
  const hours = Math.floor(minutes / 60)
  return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`
}

/** Colors a value by the sign of `direction`: green up, red down. */
export function byDirection(colors: Colors, direction: Decimal, text: string): string {
  if (direction.isZero()) return text
  return direction.isPositive() ? colors.green(text) : colors.red(text)
}

/** Visible width of text that may hold color codes. */
export function visibleWidth(text: string): number {
  return stripVTControlCharacters(text).length
}

export interface Column {
  readonly header: string
  readonly align?: 'left' | 'right'
  /** Least width, so a live table keeps its layout while values change. */
  readonly minWidth?: number
}

/**
 * Lays out rows as aligned columns separated by two spaces, header first. Cells may hold color
 * codes; widths are measured without them. With `memory` (one entry per column, updated in place)
 * columns never shrink between frames, so a redrawn table rewrites only the rows that changed.
 */
export function table(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  memory?: number[],
): string[] {
  const widths = columns.map((column, index) => {
    const width = Math.max(
      column.minWidth ?? 0,
      memory?.[index] ?? 0,
      visibleWidth(column.header),
      ...rows.map((row) => visibleWidth(row[index] ?? '')),
    )
    if (memory) memory[index] = width
    return width
  })
  const line = (cells: readonly string[]): string =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? ''
        const pad = ' '.repeat(Math.max(0, (widths[index] ?? 0) - visibleWidth(cell)))
        return column.align === 'right' ? pad + cell : cell + pad
      })
      .join('  ')
      .trimEnd()
  return [line(columns.map((column) => column.header)), ...rows.map(line)]
}

/** ISO time of day (`10:00:00`) in UTC, for footers. */
export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19)
}
