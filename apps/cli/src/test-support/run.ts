import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitForValue } from '@crypto-analyzer/test-support'
import { runCommand } from '@oclif/test'

/** The CLI package root (where package.json and bin/run.js are). */
export const root = fileURLToPath(new URL('../..', import.meta.url))
export const bin = join(root, 'bin', 'run.js')

// Tests run the built commands in dist/ (turbo builds before testing), never a TypeScript loader.
;(globalThis as { oclif?: { enableAutoTranspile?: boolean } }).oclif = {
  ...(globalThis as { oclif?: object }).oclif,
  enableAutoTranspile: false,
}

export interface CommandResult {
  stdout: string
  stderr: string
  /** 0 on success, else the oclif exit code of the error. */
  exitCode: number
  error: (Error & { oclif?: { exit?: number }; code?: string; suggestions?: string[] }) | undefined
}

/**
 * Runs `crypto-analyzer <argv>` in-process with @oclif/test's runCommand. Arguments holding
 * spaces must be quoted (`'"price > 1"'`): runCommand splits the joined line again.
 */
export async function run(argv: readonly string[]): Promise<CommandResult> {
  const result = await runCommand([...argv], { root })
  const error = result.error as CommandResult['error']
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    error,
    exitCode: error === undefined ? 0 : (error.oclif?.exit ?? 1),
  }
}

/** A fresh saved-state directory; tests never touch the real home. */
export function tempHome(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'ca-cli-test-'))
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true })
    },
  }
}

export interface Spawned {
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(signal?: NodeJS.Signals): void
  /** Closes the pipe the child writes its stdout to, as `| head` does. */
  closeStdout(): void
  /** Resolves once stdout matches `pattern` (polling the collected output). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
}

/** Spawns `node bin/run.js <argv>` with `env` added to a copy of the environment. */
export function spawnCli(argv: readonly string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [bin, ...argv], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal })
    })
  })
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal)
    },
    closeStdout: () => {
      child.stdout.destroy()
    },
    waitForStdout: (pattern, timeoutMs = 30_000) =>
      waitForValue(
        () => pattern.exec(stdout) ?? undefined,
        () =>
          `${String(pattern)}: stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`,
        timeoutMs,
      ),
  }
}

/** NDJSON text as parsed objects. */
export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}
