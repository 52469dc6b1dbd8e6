/**
 * Checks at start that to-file can do its work, before it takes any message: the output dir and
 * the work dir exist or can be made, can be written, and finished files can be moved from one
 * to the other (a hard link, which needs one filesystem). Without it an output dir that cannot
 * be made showed up only at the first message (raw ENOTDIR, or a hang: see make-dirs.ts), and a
 * work dir on another filesystem only at the first rotation, maybe an hour after deployment.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import {NsqError} from '../../core/index.js'
import {describeErrno, makeDirs, MakeDirsError} from './make-dirs.js'

/** The folders to check (absolute or relative; the work dir may equal the output dir). */
export interface PreflightDirs {
  outputDir: string
  workDir: string
}

const probeName = (): string => `.nsq-to-file-preflight-${process.pid}-${Date.now()}`

async function ensureWritable(flag: string, dir: string): Promise<string> {
  try {
    await makeDirs(dir)
  } catch (error) {
    if (error instanceof MakeDirsError)
      throw new NsqError(
        'CONFIG',
        `${flag} ${dir}: cannot use it as a folder: ${error.message}; choose a folder this user can create and write`,
      )
    throw error
  }
  const probe = path.join(dir, probeName())
  try {
    await fs.writeFile(probe, '', {flag: 'wx'})
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
    throw new NsqError(
      'CONFIG',
      `${flag} ${dir}: cannot write files in it: ${describeErrno(code)} (${code}); choose a folder this user can write`,
    )
  }
  return probe
}

/**
 * Throws a CONFIG NsqError (exit 2) naming the flag and the folder when a folder cannot be made
 * or written, or when files cannot be moved from the work dir into the output dir. Leaves both
 * folders made (as to-file would at its first file) and nothing else behind.
 */
export async function preflightDirs(dirs: PreflightDirs): Promise<void> {
  const outputDir = path.resolve(dirs.outputDir)
  const workDir = path.resolve(dirs.workDir === '' ? dirs.outputDir : dirs.workDir)
  const outProbe = await ensureWritable('--output-dir', outputDir)
  await fs.rm(outProbe, {force: true})
  if (workDir === outputDir) return
  const workProbe = await ensureWritable('--work-dir', workDir)
  const linked = path.join(outputDir, path.basename(workProbe))
  try {
    await fs.link(workProbe, linked)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
    throw new NsqError(
      'CONFIG',
      code === 'EXDEV'
        ? `--work-dir ${workDir} and --output-dir ${outputDir} are on different filesystems: finished files are moved by a hard link, so put the work dir on the output dir's filesystem (e.g. a sibling folder)`
        : `cannot move files from --work-dir ${workDir} into --output-dir ${outputDir} (link: ${code})`,
    )
  } finally {
    await fs.rm(workProbe, {force: true})
    await fs.rm(linked, {force: true})
  }
}
