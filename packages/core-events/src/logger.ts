/** The logging surface packages use; a `pino` logger fits it as it is. */
export interface Logger {
  error(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}

const noop = (): void => undefined

/** A logger that drops everything: the default wherever a logger is optional. */
export const silentLogger: Logger = { error: noop, warn: noop, info: noop, debug: noop }
