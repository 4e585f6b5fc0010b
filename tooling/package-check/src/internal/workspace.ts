import { execFile, spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/** The repository root (this file is tooling/package-check/src/internal/workspace.ts). */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

export interface PackageJson {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly bin?: Record<string, string>
  readonly dependencies?: Record<string, string>
  readonly [key: string]: unknown
}

export interface WorkspacePackage {
  /** Path relative to the root, e.g. `packages/core-events`. */
  readonly dir: string
  readonly manifest: PackageJson
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects
export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

/** The packages that get published: every non-private one under packages/ and apps/. */
export function publishablePackages(): WorkspacePackage[] {
  const found: WorkspacePackage[] = []
  for (const parent of ['packages', 'apps']) {
    for (const entry of readdirSync(join(ROOT, parent)).sort()) {
      const file = join(ROOT, parent, entry, 'package.json')
      if (!existsSync(file)) continue
      const manifest = readJson<PackageJson>(file)
      if (manifest.private !== true) found.push({ dir: `${parent}/${entry}`, manifest })
    }
  }
  return found
}

/** Every workspace package directory (for the changesets copy), from pnpm-workspace.yaml's globs. */
export function workspaceDirs(): string[] {
  const text = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8')
  const globs = [...text.matchAll(/^\s*-\s*['"]?([^'"\s]+)['"]?\s*$/gm)].map((m) => m[1] ?? '')
  const dirs: string[] = []
  for (const glob of globs) {
    if (glob.endsWith('/*')) {
      const parent = glob.slice(0, -2)
      if (!existsSync(join(ROOT, parent))) continue
      for (const entry of readdirSync(join(ROOT, parent)).sort()) {
        if (existsSync(join(ROOT, parent, entry, 'package.json'))) dirs.push(`${parent}/${entry}`)
      }
    } else if (existsSync(join(ROOT, glob, 'package.json'))) {
      dirs.push(glob)
    }
  }
  return dirs
}

let pnpmEntry: string | undefined

/**
 * The repository's pnpm as `node <pnpm.cjs>`: the one running this test (`npm_execpath`) when
 * there is one, else the `packageManager` version through npx (as the brief and `.ci/run` run it),
 * resolved to its file once, so later runs need no registry (a test may point npm at a local one).
 */
export async function pnpmCommand(): Promise<{ command: string; args: string[] }> {
  const execPath = process.env['npm_execpath'] ?? ''
  if (/pnpm\.c?js$/.test(execPath)) return { command: process.execPath, args: [execPath] }
  if (pnpmEntry === undefined) {
    const packageManager = readJson<{ packageManager: string }>(
      join(ROOT, 'package.json'),
    ).packageManager
    const found = await run('npx', ['-y', '-p', packageManager, '-c', 'command -v pnpm'], {
      cwd: ROOT,
      timeout: 120_000,
    })
    const bin = found.stdout.trim().split('\n').at(-1) ?? ''
    if (found.code !== 0 || bin === '')
      throw new Error(`cannot find ${packageManager}: ${describeRun(found)}`)
    pnpmEntry = realpathSync(bin)
  }
  return { command: process.execPath, args: [pnpmEntry] }
}

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

export interface RunOptions {
  readonly cwd: string
  readonly env?: NodeJS.ProcessEnv
  /** Killed with SIGKILL after this long (a guard; nothing here should come near it). */
  readonly timeout?: number
  /** Sends SIGINT after this long, like a user pressing Ctrl-C. */
  readonly interruptAfter?: number
}

/** A running command. */
export interface Started {
  /** Everything it printed on stdout so far. */
  stdout(): string
  /** Sends SIGINT, like a user pressing Ctrl-C. */
  interrupt(): void
  /** Settles when it has exited; never rejects for a non-zero exit. */
  readonly done: Promise<RunResult>
}

/** Starts a command and collects its output. */
export function start(command: string, args: readonly string[], options: RunOptions): Started {
  const started = performance.now()
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, COREPACK_INTEGRITY_KEYS: '0', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const guard = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 120_000)
  const interrupt =
    options.interruptAfter === undefined
      ? undefined
      : setTimeout(() => child.kill('SIGINT'), options.interruptAfter)
  const done = new Promise<RunResult>((resolvePromise, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      if (interrupt !== undefined) clearTimeout(interrupt)
      resolvePromise({ code, signal, stdout, stderr, ms: performance.now() - started })
    })
  })
  return {
    stdout: () => stdout,
    interrupt: () => child.kill('SIGINT'),
    done,
  }
}

/** Runs a command to its end and collects its output; never rejects for a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  return start(command, args, options).done
}

const execFileAsync = promisify(execFile)
const TAR_BUFFER = 16 * 1024 * 1024

/** `tar -xOzf`: one file's text out of a tarball. */
export async function readFromTarball(tarball: string, path: string): Promise<string> {
  const { stdout } = await execFileAsync('tar', ['-xOzf', tarball, path], { maxBuffer: TAR_BUFFER })
  return stdout
}

/** The file list of a tarball. */
export async function listTarball(tarball: string): Promise<string[]> {
  const { stdout } = await execFileAsync('tar', ['-tzf', tarball], { maxBuffer: TAR_BUFFER })
  return stdout.split('\n').filter((line) => line !== '')
}

/** Files in a tarball and the sum of their sizes (what lands in node_modules). */
export async function tarballStats(
  tarball: string,
): Promise<{ files: number; unpackedBytes: number }> {
  const { stdout } = await execFileAsync('tar', ['-tvzf', tarball], { maxBuffer: TAR_BUFFER })
  const entries = stdout.split('\n').filter((line) => line.startsWith('-'))
  const unpackedBytes = entries.reduce((sum, line) => sum + Number(line.split(/\s+/)[2] ?? 0), 0)
  return { files: entries.length, unpackedBytes }
}

export function describeRun(result: RunResult): string {
  return `exit ${String(result.code)}${result.signal === null ? '' : ` (${result.signal})`} after ${Math.round(result.ms)} ms\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`
}
