// A server process for the cluster tests: startService from the built package (dist), the few
// options the tests set read from the environment, its URL on stdout, clean close on SIGTERM.
import { startService } from '../../dist/index.js'

const env = process.env
const number = (name) => (env[name] === undefined ? undefined : Number(env[name]))

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

const service = await startService({
  port: number('CRYPTO_ANALYZER_PORT'),
  redisUrl: env['CRYPTO_ANALYZER_REDIS_URL'],
  redisPrefix: env['CRYPTO_ANALYZER_REDIS_PREFIX'],
  home: env['CRYPTO_ANALYZER_HOME'],
  symbols: env['CRYPTO_ANALYZER_SYMBOLS']?.split(','),
  interval: number('CRYPTO_ANALYZER_MOCK_INTERVAL_MS'),
  leaderLease: number('CRYPTO_ANALYZER_LEADER_LEASE_MS'),
  nodeId: env['CRYPTO_ANALYZER_NODE_ID'],
  logger,
})
process.stdout.write(`listening on ${service.url}\n`)
process.once('SIGTERM', () => {
  void service.close().then(() => process.exit(0))
})
