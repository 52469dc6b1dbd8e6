/**
 * `mkdir -p` one level at a time. Not `fs.mkdir(dir, {recursive: true})`: on Node 20 that never
 * settles for a path under a folder where mkdir answers ENOENT although the parent exists
 * (`/proc/nope`), which left to-file hung with its messages in flight. Here every level is one
 * plain mkdir, so every failure is an error with the level it happened at.
 */
import fs from 'node:fs/promises'
import path from 'node:path'

/** Why a folder could not be made: the folder that failed and the errno code. */
export class MakeDirsError extends Error {
  constructor(
    /** The level that could not be made (or that is not a folder). */
    readonly at: string,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'MakeDirsError'
  }
}

/** Words for an errno code met while making or writing a folder. */
export const describeErrno = (code: string): string => {
  switch (code) {
    case 'ENOTDIR':
      return 'is a file, not a folder'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EROFS':
      return 'read-only filesystem'
    case 'ENOENT':
      return 'cannot be created there'
    case 'ENOSPC':
      return 'no space left on the device'
    default:
      return code
  }
}

/** Creates `dir` and the folders above it that are missing (mode `mode`); resolves when it is a folder. */
export async function makeDirs(dir: string, mode = 0o770): Promise<void> {
  const target = path.resolve(dir)
  const missing: string[] = []
  for (let at = target; ; at = path.dirname(at)) {
    let stat
    try {
      stat = await fs.stat(at)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
      // ENOTDIR: some level above is a file; walk up to name it.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && path.dirname(at) !== at) {
        missing.push(at)
        continue
      }
      throw new MakeDirsError(at, code, `${at}: ${describeErrno(code)} (${code})`)
    }
    if (!stat.isDirectory()) throw new MakeDirsError(at, 'ENOTDIR', `${at}: ${describeErrno('ENOTDIR')}`)
    break
  }
  for (const level of missing.reverse()) {
    try {
      await fs.mkdir(level, {mode})
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
      // Made meanwhile by someone else (another topic's archiver): fine if it is a folder.
      if (code === 'EEXIST' && (await fs.stat(level).catch(() => undefined))?.isDirectory() === true) continue
      throw new MakeDirsError(level, code, `${level}: ${describeErrno(code)} (${code})`)
    }
  }
}
