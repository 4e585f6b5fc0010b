#!/usr/bin/env node
// Prints the functions with the most self time in a V8 .cpuprofile (from node --cpu-prof):
//   node bench/tools/cpuprofile-top.mjs <file.cpuprofile> [rows]
import { readFileSync } from 'node:fs'

const [file, rowsArg] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: node bench/tools/cpuprofile-top.mjs <file.cpuprofile> [rows]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map()
const deltas = profile.timeDeltas
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]
  self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0))
}
const total = [...self.values()].reduce((a, b) => a + b, 0)
const byFunction = new Map()
for (const [id, us] of self) {
  const { callFrame } = byId.get(id)
  const where = callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/main\//, '')
  const key = `${callFrame.functionName || '(anonymous)'}  ${where}:${callFrame.lineNumber + 1}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + us)
}
const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsArg ?? 25))
for (const [key, us] of rows) {
  console.log(
    `${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`,
  )
}
