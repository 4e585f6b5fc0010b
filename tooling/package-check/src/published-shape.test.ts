// What npm users get: every publishable package, packed as it will be published, passes publint
// and `attw --profile esm-only`, and its tarball holds what it should and nothing else.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packAll } from './internal/pack.js'
import type { PackedPackage } from './internal/pack.js'
import { describeRun, listTarball, publishablePackages, run, ROOT } from './internal/workspace.js'

const packages = publishablePackages()
const work = mkdtempSync(join(tmpdir(), 'ca-package-shape-'))
let packed: PackedPackage[] = []

const tarballOf = (name: string): PackedPackage => {
  const found = packed.find((pkg) => pkg.name === name)
  if (found === undefined) throw new Error(`${name} was not packed`)
  return found
}

beforeAll(async () => {
  packed = await packAll(packages, join(work, 'tarballs'))
}, 120_000)

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('publishable packages', () => {
  it('are the six libraries and the CLI', () => {
    expect(packages.map((pkg) => pkg.manifest.name).sort()).toEqual([
      '@crypto-analyzer/cli',
      '@crypto-analyzer/config',
      '@crypto-analyzer/core-events',
      '@crypto-analyzer/portfolio',
      '@crypto-analyzer/price-feeds',
      '@crypto-analyzer/stream-manager',
      '@crypto-analyzer/ws-server',
    ])
  })
})

describe.each(packages.map((pkg) => pkg.manifest.name))('%s', (name) => {
  it('passes publint on its packed tarball, suggestions included', async () => {
    const data = readFileSync(tarballOf(name).tarball)
    const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
    const result = await publint({ pack: { tarball }, level: 'suggestion', strict: true })
    const messages = result.messages.map(
      (message) => `${message.type} ${message.code}: ${formatMessage(message, result.pkg) ?? ''}`,
    )
    expect(messages).toEqual([])
  })

  it('passes attw --profile esm-only', async () => {
    const attw = join(ROOT, 'tooling/package-check/node_modules/.bin/attw')
    const result = await run(
      attw,
      [tarballOf(name).tarball, '--profile', 'esm-only', '--format', 'ascii'],
      {
        cwd: work,
        timeout: 60_000,
      },
    )
    // attw exits 1 on any problem the profile does not ignore (esm-only ignores node10 and
    // require() from CommonJS, which an ESM-only package cannot serve).
    expect(result.code, describeRun(result)).toBe(0)
    expect(result.stdout).toContain(`${name} v${tarballOf(name).version}`)
  })

  it('ships built code, types, README and package.json, and no tests or workspace ranges', async () => {
    const pkg = tarballOf(name)
    const files = await listTarball(pkg.tarball)
    expect(files).toContain('package/package.json')
    expect(files).toContain('package/README.md')
    expect(files.filter((file) => /\.test\.[cm]?[jt]s$/.test(file))).toEqual([])
    expect(
      files.filter((file) => file.includes('test-support') || file.includes('test-results')),
    ).toEqual([])
    if (pkg.manifest.bin === undefined) {
      expect(files).toContain('package/dist/index.js')
      expect(files).toContain('package/dist/index.d.ts')
    } else {
      for (const bin of Object.values(pkg.manifest.bin))
        expect(files).toContain(`package/${bin.replace(/^\.\//, '')}`)
    }
    // oclif answers --help and --version from the shipped manifest without loading commands.
    if (pkg.manifest['oclif'] !== undefined) {
      expect(files).toContain('package/oclif.manifest.json')
      // A manifest left from before `changeset version` makes oclif warn on every command and load
      // every command module for --help: `pnpm release` rebuilds it before publishing.
      const shipped = await run('tar', ['-xzOf', pkg.tarball, 'package/oclif.manifest.json'], {
        cwd: work,
        timeout: 30_000,
      })
      expect((JSON.parse(shipped.stdout) as { version?: unknown }).version).toBe(pkg.version)
    }
    const ranges = Object.entries({ ...pkg.manifest.dependencies })
    expect(ranges.filter(([, range]) => range.startsWith('workspace:'))).toEqual([])
    for (const [dependency, range] of ranges) {
      if (dependency.startsWith('@crypto-analyzer/')) {
        const target = tarballOf(dependency)
        expect(range, `${name} → ${dependency}`).toBe(`^${target.version}`)
      }
    }
  })
})
