/**
 * Finds the archive files named on the command line: files as given, folders walked (hidden
 * entries, which hold manifests and to-file's sidecars, are left out), and glob patterns (`*`,
 * `?`, `[…]` in any part, `**` for any depth) expanded here for when the shell did not.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import {parseManifest} from '../s3/manifest-metadata.js'
import {readManifestJson} from '../to-file/manifest.js'
import type {ArchiveFile} from './archive-file.js'

/** A path argument that matched nothing. */
export class NoSuchArchive extends Error {
  override readonly name = 'NoSuchArchive'
}

const GLOB = /[*?[]/

/** The regular expression of one glob path part. */
function partPattern(part: string): RegExp {
  let source = ''
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string
    if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else if (c === '[') {
      const close = part.indexOf(']', i + 1)
      if (close === -1) source += '\\['
      else {
        const body = part.slice(i + 1, close)
        source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`
        i = close
      }
    } else source += c.replace(/[\\^$.+()[\]{}|]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

async function entries(dir: string): Promise<fs.Dirent[]> {
  try {
    return await fsp.readdir(dir, {withFileTypes: true})
  } catch {
    return []
  }
}

/** Every visible file below `dir`, sorted. */
async function walk(dir: string, out: string[]): Promise<void> {
  for (const entry of (await entries(dir)).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) await walk(full, out)
    else if (entry.isFile()) out.push(full)
  }
}

/** Expands a glob into the files it matches (folders it matches are walked). */
async function expand(pattern: string, out: string[]): Promise<void> {
  const absolute = path.resolve(pattern)
  const parts = absolute.split(path.sep).slice(1)
  const visit = async (dir: string, at: number): Promise<void> => {
    if (at === parts.length) {
      const stat = await fsp.stat(dir).catch(() => undefined)
      if (stat?.isDirectory() === true) await walk(dir, out)
      else if (stat?.isFile() === true) out.push(dir)
      return
    }
    const part = parts[at] as string
    if (part === '**') {
      await visit(dir, at + 1)
      for (const entry of await entries(dir))
        if (entry.isDirectory() && !entry.name.startsWith('.')) await visit(path.join(dir, entry.name), at)
      return
    }
    if (!GLOB.test(part)) return visit(path.join(dir, part), at + 1)
    const match = partPattern(part)
    for (const entry of (await entries(dir)).sort((a, b) => a.name.localeCompare(b.name))) {
      // As in a shell, a wildcard does not match hidden names unless the pattern starts with a dot.
      if (entry.name.startsWith('.') && !part.startsWith('.')) continue
      if (match.test(entry.name)) await visit(path.join(dir, entry.name), at + 1)
    }
  }
  await visit(path.sep, 0)
}

/** A local file as an {@link ArchiveFile}, with its manifest when there is one. */
export async function localArchiveFile(file: string): Promise<ArchiveFile> {
  const stat = await fsp.stat(file)
  const manifest = parseManifest(await readManifestJson(file), file)
  return {
    key: file,
    name: path.basename(file),
    size: stat.size,
    manifest,
    open: (signal) => fs.createReadStream(file, {highWaterMark: 64 * 1024, signal}),
  }
}

/**
 * The archive files the paths name (each once, in the order found). Throws NoSuchArchive for a
 * path that is neither a file, a folder nor a glob matching something.
 */
export async function findLocalFiles(paths: readonly string[]): Promise<ArchiveFile[]> {
  const found: string[] = []
  for (const given of paths) {
    const before = found.length
    if (GLOB.test(given) && !fs.existsSync(given)) await expand(given, found)
    else {
      const absolute = path.resolve(given)
      const stat = await fsp.stat(absolute).catch(() => undefined)
      if (stat?.isDirectory() === true) await walk(absolute, found)
      else if (stat?.isFile() === true) found.push(absolute)
      else throw new NoSuchArchive(`${given}: no such file or folder`)
    }
    if (found.length === before) throw new NoSuchArchive(`${given}: no archive files there`)
  }
  const unique = [...new Set(found)]
  return Promise.all(unique.map(localArchiveFile))
}
