import { randomBytes } from 'node:crypto'
import { open, readdir, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export const isErrno = (error: unknown, code: string): boolean =>
  error instanceof Error && (error as NodeJS.ErrnoException).code === code

export const randomHex = (bytes = 6): string => randomBytes(bytes).toString('hex')

/** fsyncs a directory so a rename in it survives a power cut; a no-op where that is unsupported. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (error) {
    if (!isErrno(error, 'EISDIR') && !isErrno(error, 'EINVAL') && !isErrno(error, 'EPERM')) {
      throw error
    }
  } finally {
    await handle?.close()
  }
}

/**
 * Replaces `path` with `text` atomically: the text goes to a new temp file in the same
 * directory, is fsynced, renamed over `path`, and the directory is fsynced. A crash at any point
 * leaves either the old file or the new one (and maybe an orphan temp file, see
 * {@link removeOrphans}).
 */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomHex()}.tmp`
  const handle = await open(temp, 'wx', 0o600)
  try {
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error
  }
  await syncDirectory(dirname(path))
}

/**
 * Deletes temp files of `path` left by writers that died mid-write. Only called while holding
 * the lock of `path`, when no live writer of it can own one.
 */
export async function removeOrphans(path: string): Promise<number> {
  const dir = dirname(path)
  const prefix = `${basename(path)}.`
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return 0
  }
  let removed = 0
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    try {
      await unlink(join(dir, name))
      removed++
    } catch {
      // Someone else cleaned it first.
    }
  }
  return removed
}
