// Spawned by store.test.ts: takes the alerts lock by hand (as a crashed writer would leave it)
// and waits to be killed.
import { openSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'

const [lockPath] = process.argv.slice(2)
const fd = openSync(lockPath, 'wx')
writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), nonce: 'x' }))
process.stdout.write('locked\n')
setInterval(() => undefined, 1000)
