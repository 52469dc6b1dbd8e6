import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface Tmpfs {
  dir: string
  unmount(): void
}

/**
 * Mounts a small tmpfs (a disk that fills up at `size`, e.g. `256k`), optionally read-only.
 * Returns undefined where mounting is not permitted (not root, or no CAP_SYS_ADMIN), so
 * callers can skip the case visibly.
 */
export function mountTmpfs(size: string, readOnly = false): Tmpfs | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-tmpfs-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `${readOnly ? 'ro,' : ''}size=${size}`, 'tmpfs', dir], {stdio: 'ignore'})
  } catch {
    fs.rmdirSync(dir)
    return undefined
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir], {stdio: 'ignore'})
      fs.rmdirSync(dir)
    },
  }
}

/** Whether this machine lets the tests mount a tmpfs (checked once, by mounting one). */
export function canMountTmpfs(): boolean {
  const probe = mountTmpfs('64k')
  probe?.unmount()
  return probe !== undefined
}
