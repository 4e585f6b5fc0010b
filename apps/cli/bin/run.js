#!/usr/bin/env node
// `--version` is answered here, before @oclif/core is imported: loading and configuring oclif costs
// about twice Node's own start-up, and the answer only needs package.json. The line is the one oclif
// prints (`config.userAgent`, see src/version.test.ts). On a Linux that may be WSL, oclif says `wsl`
// after checking for containers too, so that case, and everything else, goes to oclif.
import { readFileSync } from 'node:fs'
import { arch, platform, release } from 'node:os'

const argv = process.argv.slice(2)

/** oclif's version line, or undefined when oclif must answer (not a version flag, maybe WSL). */
function versionLine() {
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const flags = ['--version', ...(pjson.oclif?.additionalVersionFlags ?? [])]
  if (!flags.includes(argv[0])) return undefined
  if (platform() === 'linux' && mayBeWsl()) return undefined
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${pjson.name}/${pjson.version || '0.0.0'} ${platform()}-${cpu} node-${process.version}`
}

function mayBeWsl() {
  if (release().toLowerCase().includes('microsoft')) return true
  try {
    return readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')
  } catch {
    return false
  }
}

const line = versionLine()
if (line === undefined) {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
} else {
  // console.log as oclif does: it ignores a closed stdout (`| head -0`) instead of throwing EPIPE.
  console.log(line)
}
