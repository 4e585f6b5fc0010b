#!/usr/bin/env node
// The deployable server: configuration from the environment (see the contract), one log line with
// the URL, clean shutdown on SIGINT/SIGTERM. All behaviour lives in @crypto-analyzer/ws-server.
import { isCryptoAnalyzerError } from '@crypto-analyzer/core-events'
import { serviceOptionsFromEnv, startService } from '@crypto-analyzer/ws-server'
import { pino } from 'pino'

const LEVELS = new Set(['error', 'warn', 'info', 'debug'])
const SHUTDOWN_DEADLINE_MS = 5000

async function main(): Promise<void> {
  const level = process.env['CRYPTO_ANALYZER_LOG_LEVEL'] ?? 'info'
  if (!LEVELS.has(level)) {
    process.stderr.write(
      `CRYPTO_ANALYZER_LOG_LEVEL=${JSON.stringify(level)} is not a level; use error, warn, info or debug\n`,
    )
    process.exit(2)
  }
  const logger = pino({ level, base: null }, pino.destination(2))

  let service: Awaited<ReturnType<typeof startService>>
  try {
    service = await startService({ ...serviceOptionsFromEnv(), logger })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    logger.error({ err: error }, 'server did not start')
    process.stderr.write(`crypto-analyzer server: ${message}\n`)
    process.exit(isCryptoAnalyzerError(error) && error.code === 'INVALID_INPUT' ? 2 : 1)
  }
  logger.info({ url: service.url }, `crypto-analyzer server listening on ${service.url}`)

  let stopping = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      logger.error('shutdown took longer than 5 s; exiting anyway')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS)
    deadline.unref()
    service.close().then(
      () => {
        process.exit(0)
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

await main()
