import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Config } from '@oclif/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bin, root, run, spawnCli, tempHome } from './test-support/run.js'

// bin/run.js answers --version itself, without loading @oclif/core (see the comment there). These
// tests keep that answer identical to oclif's, so they fail if either side changes its format.
describe('crypto-analyzer --version', () => {
  let home: ReturnType<typeof tempHome>
  beforeEach(() => {
    home = tempHome()
  })
  afterEach(() => {
    home.remove()
  })

  it('prints the same line as oclif when run with --version', async () => {
    const config = await Config.load(root)
    const viaOclif = await run(['--version'])
    const cli = spawnCli(['--version'], { CRYPTO_ANALYZER_HOME: home.path })
    expect(await cli.exited).toEqual({ code: 0, signal: null })
    expect(cli.stderr()).toBe('')
    expect(cli.stdout()).toBe(`${config.userAgent}\n`)
    expect(cli.stdout()).toBe(viaOclif.stdout)
  })

  it('prints the version when --version comes before other arguments, as oclif does', async () => {
    const cli = spawnCli(['--version', 'stream'], { CRYPTO_ANALYZER_HOME: home.path })
    expect(await cli.exited).toEqual({ code: 0, signal: null })
    expect(cli.stdout()).toBe((await run(['--version', 'stream'])).stdout)
  })

  it('leaves -v and version to oclif, which rejects them with exit 2', async () => {
    for (const argv of [['-v'], ['version']]) {
      const cli = spawnCli(argv, { CRYPTO_ANALYZER_HOME: home.path })
      const viaOclif = await run(argv)
      expect(await cli.exited).toEqual({ code: viaOclif.exitCode, signal: null })
      expect(viaOclif.exitCode).toBe(2)
      expect(cli.stdout()).toBe('')
    }
  })

  it('does not load @oclif/core for --version, and does for --help', async () => {
    // A module hook records every ES module Node loads, @oclif/core's entry among them.
    const log = join(home.path, 'loaded.log')
    writeFileSync(
      join(home.path, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs'
let log
export function initialize(path) { log = path }
export async function load(url, context, next) {
  appendFileSync(log, url + '\\n')
  return next(url, context)
}
`,
    )
    writeFileSync(
      join(home.path, 'register.mjs'),
      `import { register } from 'node:module'\nregister(new URL('./hooks.mjs', import.meta.url), { data: ${JSON.stringify(log)} })\n`,
    )
    const loaded = async (argv: readonly string[]): Promise<string[]> => {
      writeFileSync(log, '')
      const child = spawn(
        process.execPath,
        ['--import', join(home.path, 'register.mjs'), bin, ...argv],
        { cwd: root, stdio: 'ignore' },
      )
      const code = await new Promise((resolve) => child.on('exit', resolve))
      expect(code).toBe(0)
      return readFileSync(log, 'utf8').split('\n')
    }
    const oclif = (urls: string[]): string[] => urls.filter((url) => url.includes('/@oclif/core/'))
    const forVersion = await loaded(['--version'])
    expect(forVersion).toContain(`file://${bin}`)
    expect(oclif(forVersion)).toEqual([])
    expect(oclif(await loaded(['--help']))).not.toEqual([])
  })
})
