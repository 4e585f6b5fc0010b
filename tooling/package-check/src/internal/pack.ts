import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describeRun, pnpmCommand, readFromTarball, run, ROOT } from './workspace.js'
import type { PackageJson, WorkspacePackage } from './workspace.js'

export interface PackedPackage {
  readonly dir: string
  readonly name: string
  readonly version: string
  readonly tarball: string
  /** Bytes of the .tgz. */
  readonly size: number
  /** The package.json inside the tarball (workspace ranges rewritten by pnpm). */
  readonly manifest: PackageJson
}

/**
 * `pnpm pack` of the given packages (one recursive pnpm run), the way `pnpm publish` packs them:
 * `workspace:^` ranges become real ones. The packages must be built.
 */
export async function packAll(
  packages: readonly WorkspacePackage[],
  destination: string,
): Promise<PackedPackage[]> {
  mkdirSync(destination, { recursive: true })
  const pnpm = await pnpmCommand()
  const filters = packages.flatMap((pkg) => ['--filter', `./${pkg.dir}`])
  const result = await run(
    pnpm.command,
    [...pnpm.args, '-r', ...filters, 'pack', '--pack-destination', destination],
    { cwd: ROOT, timeout: 120_000 },
  )
  if (result.code !== 0) throw new Error(`pnpm pack failed: ${describeRun(result)}`)
  const files = readdirSync(destination).filter((file) => file.endsWith('.tgz'))
  const packed: PackedPackage[] = []
  for (const file of files) {
    const tarball = join(destination, file)
    const manifest = JSON.parse(
      await readFromTarball(tarball, 'package/package.json'),
    ) as PackageJson
    const source = packages.find((pkg) => pkg.manifest.name === manifest.name)
    if (source === undefined) continue
    packed.push({
      dir: source.dir,
      name: manifest.name,
      version: manifest.version,
      tarball,
      size: statSync(tarball).size,
      manifest,
    })
  }
  const missing = packages.filter((pkg) => !packed.some((p) => p.name === pkg.manifest.name))
  if (missing.length > 0) {
    throw new Error(
      `pnpm pack wrote no tarball for ${missing.map((pkg) => pkg.manifest.name).join(', ')}`,
    )
  }
  return packed.sort((a, b) => a.dir.localeCompare(b.dir))
}
