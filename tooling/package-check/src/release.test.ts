// The release path works offline, with no GitHub token: in a throw-away copy of the workspace
// (never the real tree), `changeset status` and `changeset version` apply the pending changesets,
// and `changeset publish` publishes through pnpm to a local registry.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalRegistry } from './internal/registry.js'
import type { LocalRegistry } from './internal/registry.js'
import {
  describeRun,
  pnpmCommand,
  publishablePackages,
  readJson,
  run,
  ROOT,
  workspaceDirs,
} from './internal/workspace.js'
import type { PackageJson, RunResult } from './internal/workspace.js'

const work = mkdtempSync(join(tmpdir(), 'ca-release-'))
const copy = join(work, 'repo')
const shims = join(work, 'bin')
const publishable = publishablePackages()
let registry: LocalRegistry | undefined

interface PendingChangeset {
  readonly file: string
  readonly releases: ReadonlyMap<string, 'major' | 'minor' | 'patch'>
  readonly summary: string
}

/** The changeset files as they are in the working tree. */
function pendingChangesets(): PendingChangeset[] {
  const dir = join(ROOT, '.changeset')
  return readdirSync(dir)
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8')
      const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text)
      const releases = new Map<string, 'major' | 'minor' | 'patch'>()
      for (const line of (match?.[1] ?? '').split('\n')) {
        const entry = /^\s*['"]?([^'":]+)['"]?\s*:\s*(major|minor|patch)\s*$/.exec(line)
        if (entry !== null) releases.set(entry[1] ?? '', entry[2] as 'major' | 'minor' | 'patch')
      }
      return { file, releases, summary: (match?.[2] ?? '').trim() }
    })
}

function bump(version: string, type: 'major' | 'minor' | 'patch'): string {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number)
  if (type === 'major') return `${String(major + 1)}.0.0`
  if (type === 'minor') return `${String(major)}.${String(minor + 1)}.0`
  return `${String(major)}.${String(minor)}.${String(patch + 1)}`
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((version) => version.split('-')[0]?.split('.').map(Number) ?? [])
  for (let i = 0; i < 3; i += 1) {
    const difference = (x?.[i] ?? 0) - (y?.[i] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}

const pending = pendingChangesets()
/** name → the highest bump any pending changeset asks for. */
const expectedBumps = new Map<string, 'major' | 'minor' | 'patch'>()
for (const changeset of pending) {
  for (const [name, type] of changeset.releases) {
    const order = ['patch', 'minor', 'major']
    const current = expectedBumps.get(name)
    if (current === undefined || order.indexOf(type) > order.indexOf(current))
      expectedBumps.set(name, type)
  }
}

/** The changesets CLI of the repository, run in the copy; never with a GitHub token. */
function changeset(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    CI: 'true',
    PATH: `${shims}:${process.env['PATH'] ?? ''}`,
  }
  delete environment['GITHUB_TOKEN']
  delete environment['GH_TOKEN']
  return run(process.execPath, [join(ROOT, 'node_modules/@changesets/cli/bin.js'), ...args], {
    cwd: copy,
    timeout: 150_000,
    env: environment,
  })
}

const git = (args: readonly string[]): Promise<RunResult> =>
  run(
    'git',
    [
      '-c',
      'user.name=package-check',
      '-c',
      'user.email=package-check@localhost',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    {
      cwd: copy,
      timeout: 60_000,
    },
  )

beforeAll(async () => {
  // The copy: the root configuration, the changesets, every workspace package's package.json, and
  // the publishable packages whole (built files included, as they will be packed).
  mkdirSync(copy, { recursive: true })
  for (const file of ['package.json', 'pnpm-workspace.yaml'])
    cpSync(join(ROOT, file), join(copy, file))
  cpSync(join(ROOT, '.changeset'), join(copy, '.changeset'), { recursive: true })
  for (const dir of workspaceDirs()) {
    mkdirSync(join(copy, dir), { recursive: true })
    cpSync(join(ROOT, dir, 'package.json'), join(copy, dir, 'package.json'))
  }
  const skip = new Set(['node_modules', 'test-results', '.turbo', 'coverage'])
  for (const pkg of publishable) {
    cpSync(join(ROOT, pkg.dir), join(copy, pkg.dir), {
      recursive: true,
      filter: (source) => !skip.has(source.split('/').at(-1) ?? ''),
    })
  }
  // `pnpm publish` reads the version behind a `workspace:` range from the linked package, as
  // `pnpm install` links it; the copy gets the same links.
  const dirOf = new Map(
    workspaceDirs().map((dir) => [
      readJson<PackageJson>(join(ROOT, dir, 'package.json')).name,
      dir,
    ]),
  )
  for (const pkg of publishable) {
    const ranges = [
      'dependencies',
      'devDependencies',
      'peerDependencies',
      'optionalDependencies',
    ].flatMap((field) => Object.entries((pkg.manifest[field] ?? {}) as Record<string, string>))
    for (const [dependency, range] of ranges) {
      const target = dirOf.get(dependency)
      if (!range.startsWith('workspace:') || target === undefined) continue
      const link = join(copy, pkg.dir, 'node_modules', dependency)
      mkdirSync(dirname(link), { recursive: true })
      symlinkSync(join(copy, target), link)
    }
  }
  // The changelog generator (`@changesets/cli/changelog`) is resolved from .changeset/.
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'))
  writeFileSync(join(copy, '.gitignore'), 'node_modules/\n')

  // `changeset publish` runs `pnpm publish`; a shim puts this repository's pnpm on PATH.
  mkdirSync(shims, { recursive: true })
  const pnpm = await pnpmCommand()
  const quoted = [pnpm.command, ...pnpm.args]
    .map((part) => `'${part.replaceAll("'", "'\\''")}'`)
    .join(' ')
  writeFileSync(join(shims, 'pnpm'), `#!/bin/sh\nexec ${quoted} "$@"\n`, { mode: 0o755 })

  registry = await startLocalRegistry()
  const host = registry.url.replace(/^http:/, '')
  writeFileSync(
    join(copy, '.npmrc'),
    `registry=${registry.url}\n${host}:_authToken=offline-check\ngit-checks=false\n`,
  )

  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'snapshot'],
  ]) {
    const result = await git(args)
    if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${describeRun(result)}`)
  }
}, 120_000)

afterAll(async () => {
  await registry?.close()
  rmSync(work, { recursive: true, force: true })
})

describe('changesets, offline, in a throw-away copy', () => {
  it('has pending changesets that each name workspace packages and carry a summary', () => {
    const names = new Set(
      workspaceDirs().map((dir) => readJson<PackageJson>(join(ROOT, dir, 'package.json')).name),
    )
    for (const changeset of pending) {
      for (const name of changeset.releases.keys())
        expect(names.has(name), `${changeset.file} names ${name}`).toBe(true)
      expect(changeset.releases.size, `${changeset.file} names no package`).toBeGreaterThan(0)
      expect(changeset.summary, `${changeset.file} has no summary`).not.toBe('')
    }
  })

  it('changeset status reports the release plan', async () => {
    const result = await changeset(['status', '--output', join(work, 'plan.json')])
    expect(result.code, describeRun(result)).toBe(0)
    const plan = readJson<{
      releases: { name: string; type: string; oldVersion: string; newVersion: string }[]
    }>(join(work, 'plan.json'))
    for (const [name, type] of expectedBumps) {
      const release = plan.releases.find((entry) => entry.name === name)
      expect(release, `${name} in the plan`).toBeDefined()
      expect(release?.type).toBe(type)
      expect(release?.newVersion).toBe(bump(release?.oldVersion ?? '', type))
    }
  })

  it('changeset version bumps versions, writes changelogs and consumes the changesets', async () => {
    const result = await changeset(['version'])
    expect(result.code, describeRun(result)).toBe(0)
    for (const pkg of publishable) {
      const type = expectedBumps.get(pkg.manifest.name)
      if (type === undefined) {
        // Nothing pending for it (a dependency bump may still give it a patch): never a downgrade.
        const version = readJson<PackageJson>(join(copy, pkg.dir, 'package.json')).version
        expect(
          compareVersions(version, pkg.manifest.version),
          `${pkg.manifest.name} ${version}`,
        ).toBeGreaterThanOrEqual(0)
        continue
      }
      const version = bump(pkg.manifest.version, type)
      expect(readJson<PackageJson>(join(copy, pkg.dir, 'package.json')).version).toBe(version)
      const changelog = readFileSync(join(copy, pkg.dir, 'CHANGELOG.md'), 'utf8')
      expect(changelog).toContain(
        `# ${pkg.manifest.name}\n\n## ${version}\n\n### ${type[0]?.toUpperCase() ?? ''}${type.slice(1)} Changes`,
      )
      for (const changeset of pending.filter((entry) => entry.releases.has(pkg.manifest.name))) {
        expect(changelog).toContain(changeset.summary.split('\n')[0] ?? '')
      }
    }
    expect(
      readdirSync(join(copy, '.changeset')).filter(
        (file) => file.endsWith('.md') && file !== 'README.md',
      ),
    ).toEqual([])
    // The real tree is untouched.
    expect(pendingChangesets().length).toBe(pending.length)
  })

  it('changeset publish publishes every package through pnpm to a local registry, with real ranges', async () => {
    const commit = await git(['commit', '-q', '-a', '-m', 'version packages'])
    expect(commit.code, describeRun(commit)).toBe(0)
    const result = await changeset(['publish'], { npm_config_registry: registry?.url })
    expect(result.code, describeRun(result)).toBe(0)
    const versions = new Map(
      publishable.map((pkg) => [
        pkg.manifest.name,
        readJson<PackageJson>(join(copy, pkg.dir, 'package.json')).version,
      ]),
    )
    for (const [name, version] of versions) {
      const published = registry?.packages.get(name)?.get(version)
      expect(published, `${name}@${version} published`).toBeDefined()
      for (const [dependency, range] of Object.entries(published?.manifest.dependencies ?? {})) {
        if (dependency.startsWith('@crypto-analyzer/'))
          expect(range).toBe(`^${versions.get(dependency) ?? ''}`)
        expect(range).not.toMatch(/^workspace:/)
      }
      expect(published?.tarball.length).toBeGreaterThan(1000)
    }
    // Everything went to the local registry: a lookup, then a publish, per package.
    for (const name of versions.keys()) {
      expect(registry?.requests).toContain(`GET /${name}`)
      expect(registry?.requests).toContain(`PUT /${name}`)
    }
    const tags = await git(['tag', '--list'])
    for (const [name, version] of versions) expect(tags.stdout).toContain(`${name}@${version}`)
  })
})
