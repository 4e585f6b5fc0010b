#!/usr/bin/env node
// The deployable server: configuration from the environment (@crypto-analyzer/config reads it, the
// README's table lists it), one log line with the URL, clean shutdown on SIGINT/SIGTERM. All
// behaviour lives in @crypto-analyzer/ws-server.
import { readLogLevel, readServiceOptions } from '@crypto-analyzer/config'
import type { LogLevel } from '@crypto-analyzer/config'
import { isCryptoAnalyzerError } from '@crypto-analyzer/core-events'
import type { ServiceOptions } from '@crypto-analyzer/ws-server'
import { startService } from '@crypto-analyzer/ws-server'
import { pino } from 'pino'

const SHUTDOWN_DEADLINE_MS = 5000

async function main(): Promise<void> {
  let level: LogLevel
  let options: ServiceOptions
  try {
    level = readLogLevel(process.env)
    options = readServiceOptions(process.env)
  } catch (error) {
    process.stderr.write(`crypto-analyzer server: ${(error as Error).message}\n`)
    process.exit(2)
  }
  const logger = pino({ level, base: null }, pino.destination(2))

  let service: Awaited<ReturnType<typeof startService>>
  try {
    service = await startService({ ...options, logger })
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
