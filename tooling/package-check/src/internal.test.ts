import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  codeBlocks,
  importedPackages,
  installLine,
  toJavaScript,
  usageBlock,
} from './internal/readme.js'
import { startLocalRegistry } from './internal/registry.js'
import { run } from './internal/workspace.js'

const README = `# pkg

\`\`\`sh
pnpm add @crypto-analyzer/price-feeds @crypto-analyzer/core-events --save-exact
\`\`\`

\`\`\`json
{ "not": "code" }
\`\`\`

\`\`\`ts
import { createStreamManager } from '@crypto-analyzer/stream-manager'
const manager = createStreamManager() as unknown as { start(): void }
manager.start()
\`\`\`

<!-- runnable -->

\`\`\`js
import { formatDecimal } from '@crypto-analyzer/core-events'
import { x } from './local.js'
const { y } = await import('rxjs/operators')
\`\`\`
`

describe('README parsing', () => {
  it('finds every fenced block with its language and line', () => {
    expect(codeBlocks(README).map((block) => [block.language, block.line, block.marked])).toEqual([
      ['sh', 3, false],
      ['json', 7, false],
      ['ts', 11, false],
      ['js', 19, true],
    ])
  })

  it('takes the block marked runnable over the first js/ts block', () => {
    expect(usageBlock(README)?.language).toBe('js')
    expect(usageBlock(README.replace('<!-- runnable -->', ''))?.language).toBe('ts')
  })

  it('returns undefined when a README has no js/ts block or no install line', () => {
    expect(usageBlock('# x\n\n```sh\nls\n```\n')).toBeUndefined()
    expect(installLine('# x\n\n```js\nnpm install x\n```\n')).toBeUndefined()
  })

  it('reads the packages of the install line without flags', () => {
    expect(installLine(README)).toEqual({
      command: 'pnpm add @crypto-analyzer/price-feeds @crypto-analyzer/core-events --save-exact',
      packages: ['@crypto-analyzer/price-feeds', '@crypto-analyzer/core-events'],
    })
    expect(installLine('```console\n$ npm install -g @crypto-analyzer/cli\n```')?.packages).toEqual(
      ['@crypto-analyzer/cli'],
    )
  })

  it('erases TypeScript types and leaves the code otherwise as written', () => {
    const block = codeBlocks(README)[2]
    expect(block).toBeDefined()
    const js = toJavaScript(block!)
    expect(js).toContain("import { createStreamManager } from '@crypto-analyzer/stream-manager'")
    expect(js).toContain('const manager = createStreamManager();')
    expect(js).not.toContain('as unknown')
  })

  it('lists the packages an example imports, statically or dynamically', () => {
    expect(importedPackages(usageBlock(README)?.code ?? '')).toEqual([
      '@crypto-analyzer/core-events',
      'rxjs',
    ])
  })
})

describe('local registry', () => {
  const work = mkdtempSync(join(tmpdir(), 'ca-registry-test-'))
  afterAll(() => {
    rmSync(work, { recursive: true, force: true })
  })

  it('serves an added tarball to npm, refuses unknown names and republishing', async () => {
    mkdirSync(join(work, 'src/package'), { recursive: true })
    writeFileSync(
      join(work, 'src/package/package.json'),
      JSON.stringify({
        name: '@crypto-analyzer/registry-probe',
        version: '1.2.3',
        type: 'module',
        main: 'index.js',
      }),
    )
    writeFileSync(join(work, 'src/package/index.js'), 'export const probe = 42\n')
    const tarball = join(work, 'probe-1.2.3.tgz')
    expect(
      (await run('tar', ['-czf', tarball, '-C', join(work, 'src'), 'package'], { cwd: work })).code,
    ).toBe(0)

    const registry = await startLocalRegistry()
    try {
      const manifest = await registry.add(tarball)
      expect(manifest.version).toBe('1.2.3')
      const packument = (await (
        await fetch(`${registry.url}@crypto-analyzer%2fregistry-probe`)
      ).json()) as {
        'dist-tags': { latest: string }
        versions: Record<string, { dist: { tarball: string; integrity: string } }>
      }
      expect(packument['dist-tags'].latest).toBe('1.2.3')
      expect(packument.versions['1.2.3']?.dist.integrity).toMatch(/^sha512-/)
      expect((await fetch(packument.versions['1.2.3']?.dist.tarball ?? '')).status).toBe(200)
      expect((await fetch(`${registry.url}@crypto-analyzer%2fnope`)).status).toBe(404)
      expect((await fetch(`${registry.url}-/nope.tgz`)).status).toBe(404)

      const project = join(work, 'project')
      mkdirSync(project)
      writeFileSync(join(project, 'package.json'), '{"name":"p","private":true}')
      const installed = await run(
        'npm',
        ['install', '@crypto-analyzer/registry-probe', '--no-audit', '--no-fund'],
        {
          cwd: project,
          timeout: 60_000,
          env: { 'npm_config_@crypto-analyzer:registry': registry.url },
        },
      )
      expect(installed.code, installed.stderr).toBe(0)
      const probe = (await import(
        join(project, 'node_modules/@crypto-analyzer/registry-probe/index.js')
      )) as { probe: number }
      expect(probe.probe).toBe(42)

      const publish = (body: unknown): Promise<Response> =>
        fetch(`${registry.url}@crypto-analyzer%2fregistry-probe`, {
          method: 'PUT',
          body: JSON.stringify(body),
        })
      expect((await publish({ versions: {} })).status).toBe(400)
      const again = await publish({
        versions: { '1.2.3': manifest },
        _attachments: { 'probe-1.2.3.tgz': { data: 'AA==' } },
      })
      expect(again.status).toBe(403)
      expect(registry.requests).toContain('GET /@crypto-analyzer/registry-probe')
    } finally {
      await registry.close()
    }
  })
})
