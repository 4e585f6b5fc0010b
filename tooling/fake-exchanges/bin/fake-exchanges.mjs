#!/usr/bin/env node
// Starts one fake exchange and prints its URL: fake-exchanges <exchange> [--port N] [--tick-interval ms] [--seed N] [--host H]
import { FAKE_EXCHANGES } from '../dist/index.js'

const names = Object.keys(FAKE_EXCHANGES)
const usage = `usage: fake-exchanges ${names.join('|')} [--port N] [--tick-interval ms] [--seed N] [--host 127.0.0.1]`

function fail(message) {
  process.stderr.write(`fake-exchanges: ${message}\n${usage}\n`)
  process.exit(2)
}

const [kind, ...rest] = process.argv.slice(2)
if (kind === '--help' || kind === '-h') {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}
if (kind === undefined || !Object.hasOwn(FAKE_EXCHANGES, kind))
  fail(`unknown exchange ${JSON.stringify(kind ?? '')}`)

const options = {}
const numeric = { '--port': 'port', '--tick-interval': 'tickInterval', '--seed': 'seed' }
for (let i = 0; i < rest.length; i++) {
  const flag = rest[i]
  const value = rest[i + 1]
  if (flag === '--host' && value !== undefined) options.host = value
  else if (flag in numeric && value !== undefined && /^\d+$/.test(value)) {
    options[numeric[flag]] = Number(value)
  } else fail(`bad argument ${JSON.stringify(flag)}${value === undefined ? '' : ` ${value}`}`)
  i++
}

const start = FAKE_EXCHANGES[kind]
let server
try {
  server = await start(options)
} catch (error) {
  fail(error instanceof Error ? error.message : String(error))
}
process.stdout.write(`${server.url}\n`)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await server.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
