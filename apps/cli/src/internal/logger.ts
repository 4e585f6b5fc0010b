import type { LogLevel } from '@crypto-analyzer/config'
import { pino } from 'pino'
import type { Logger as PinoLogger } from 'pino'

export type CliLogger = PinoLogger

type LineWriter = (line: string) => void

let interceptor: LineWriter | undefined

/**
 * Routes log lines through `writer` while a live table owns the terminal, so a log line is printed
 * above the table instead of tearing it. Returns the function that hands stderr back.
 */
export function interceptLogLines(writer: LineWriter): () => void {
  interceptor = writer
  return () => {
    if (interceptor === writer) interceptor = undefined
  }
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}
const HIDDEN = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname'])

/**
 * A pino JSON line made readable for a person at a terminal: `WARN  binance reconnecting
 * attempt=2`. Anything that is not a pino line passes through unchanged.
 */
export function humanLogLine(line: string): string {
  let record: unknown
  try {
    record = JSON.parse(line)
  } catch {
    return line
  }
  if (typeof record !== 'object' || record === null) return line
  const fields = record as Record<string, unknown>
  const level =
    typeof fields['level'] === 'number' ? (LEVEL_NAMES[fields['level']] ?? 'LOG') : 'LOG'
  const message = typeof fields['msg'] === 'string' ? fields['msg'] : ''
  const extras = Object.entries(fields)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => {
      if (typeof value === 'object' && value !== null && 'message' in value) {
        return `${key}=${JSON.stringify(value.message)}`
      }
      return `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`
    })
  return `${[level.padEnd(5), message, ...extras].filter((part) => part !== '').join(' ')}\n`
}

const stderrSink = {
  write(line: string): void {
    const text = process.stderr.isTTY ? humanLogLine(line) : line
    if (interceptor) interceptor(text)
    else process.stderr.write(text)
  },
}

/**
 * A pino logger at `level` writing to stderr: JSON lines for pipes and files, one readable line
 * per record on a terminal.
 */
export function createCliLogger(level: LogLevel): CliLogger {
  return pino({ level, base: { name: 'crypto-analyzer' } }, stderrSink)
}
