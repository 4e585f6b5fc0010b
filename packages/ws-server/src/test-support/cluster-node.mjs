// A server process for the cluster tests: startService from the built package (dist), options
// from the environment (as apps/server), its URL on stdout, clean close on SIGTERM.
import { serviceOptionsFromEnv, startService } from '../../dist/index.js'

const logger = {
  level: 'info',
  debug: () => undefined,
  info: () => undefined,
  warn(...args) {
    process.stderr.write(`${JSON.stringify(args)}\n`)
  },
  error(...args) {
    process.stderr.write(`${JSON.stringify(args)}\n`)
  },
  child() {
    return logger
  },
}

const service = await startService({ ...serviceOptionsFromEnv(), logger })
process.stdout.write(`listening on ${service.url}\n`)
process.once('SIGTERM', () => {
  void service.close().then(() => process.exit(0))
})
