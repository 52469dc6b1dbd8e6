/**
 * Named connection contexts (`nsq context …`, `--context NAME`): where they live and how they are
 * read and written. One JSON file per context under `$XDG_CONFIG_HOME/nsq-toolkit/contexts/`
 * (default `~/.config/nsq-toolkit/`), and the name of the current one in `current-context`.
 * Files are written atomically (a temp file in the same folder, fsynced, renamed over) with mode
 * 0600 in a 0700 folder; a context file readable or writable by group or others is refused.
 * Secrets are never in a context: only a file path or the name of an environment variable.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {NsqError} from '../../core/index.js'

/** A context as stored (snake_case, as every `--json` of the toolkit). Every field is optional. */
export interface ContextSettings {
  description?: string
  lookupd_http_address?: string[]
  nsqd_tcp_address?: string[]
  nsqd_http_address?: string[]
  tls?: boolean
  tls_ca?: string
  tls_cert?: string
  tls_key?: string
  tls_insecure?: boolean
  tls_min_version?: 'TLSv1.2' | 'TLSv1.3'
  /** File holding the AUTH secret. */
  auth_secret_file?: string
  /** Name of an environment variable holding the AUTH secret. */
  auth_secret_env?: string
  /** File holding the Authorization header value for the HTTP APIs. */
  http_auth_file?: string
  /** Name of an environment variable holding the Authorization header value. */
  http_auth_env?: string
  compression?: 'none' | 'snappy' | 'deflate'
  deflate_level?: number
  address_map?: string[]
}

export type ContextKey = Exclude<keyof ContextSettings, 'description'>

/** What each stored key is, for reading a file back (anything else in a file is refused). */
const KINDS: Readonly<Record<keyof ContextSettings, 'string' | 'strings' | 'boolean' | 'integer'>> = {
  description: 'string',
  lookupd_http_address: 'strings',
  nsqd_tcp_address: 'strings',
  nsqd_http_address: 'strings',
  tls: 'boolean',
  tls_ca: 'string',
  tls_cert: 'string',
  tls_key: 'string',
  tls_insecure: 'boolean',
  tls_min_version: 'string',
  auth_secret_file: 'string',
  auth_secret_env: 'string',
  http_auth_file: 'string',
  http_auth_env: 'string',
  compression: 'string',
  deflate_level: 'integer',
  address_map: 'strings',
}

/** The keys a context can hold, in the order `show` and `list` print them. */
export const CONTEXT_KEYS = Object.keys(KINDS).filter((k) => k !== 'description') as ContextKey[]

/** A context and where it came from. */
export interface StoredContext {
  name: string
  file: string
  settings: ContextSettings
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const config = (message: string): NsqError => new NsqError('CONFIG', message)

/** Refuses a name that is not a plain file name (letters, digits, `.`, `_`, `-`; not starting with `.` or `-`). */
export function validateContextName(name: string): void {
  if (!NAME.test(name) || name.includes('..'))
    throw config(
      `context name ${JSON.stringify(name)}: use letters, digits, ".", "_" and "-" (at most 64, starting with a letter or digit)`,
    )
}

/** True when `value` can be the name of an environment variable. */
export function isEnvName(value: string): boolean {
  return ENV_NAME.test(value)
}

/** The toolkit's config folder: `$XDG_CONFIG_HOME/nsq-toolkit` (an absolute XDG_CONFIG_HOME only, as the XDG spec says), else `~/.config/nsq-toolkit`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME
  const base = xdg !== undefined && xdg !== '' && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.config')
  return path.join(base, 'nsq-toolkit')
}

/** The contexts of one config folder. */
export class ContextStore {
  readonly contextsDir: string
  readonly currentFile: string

  constructor(readonly dir: string = configDir()) {
    this.contextsDir = path.join(dir, 'contexts')
    this.currentFile = path.join(dir, 'current-context')
  }

  fileOf(name: string): string {
    validateContextName(name)
    return path.join(this.contextsDir, `${name}.json`)
  }

  /** The names of the stored contexts, sorted. */
  names(): string[] {
    let entries: string[]
    try {
      entries = fs.readdirSync(this.contextsDir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw config(`cannot read ${this.contextsDir}: ${(error as Error).message}`)
    }
    return entries
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .filter((n) => NAME.test(n) && !n.includes('..'))
      .sort()
  }

  exists(name: string): boolean {
    return fs.existsSync(this.fileOf(name))
  }

  /** Reads a context; refuses a missing one, a file others can read, or a file that is not a context. */
  read(name: string): StoredContext {
    const file = this.fileOf(name)
    let fd: number
    try {
      fd = fs.openSync(file, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        const known = this.names()
        throw config(
          `no context named "${name}" (${known.length === 0 ? 'none defined yet: nsq context add NAME …' : `known: ${known.join(', ')}`})`,
        )
      }
      throw config(`context "${name}": cannot read ${file}: ${(error as Error).message}`)
    }
    try {
      const stat = fs.fstatSync(fd)
      if ((stat.mode & 0o077) !== 0)
        throw config(
          `context file ${file} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}); it may name secret files, so it is refused: run chmod 600 ${file}`,
        )
      const text = fs.readFileSync(fd, 'utf8')
      return {name, file, settings: parseSettings(text, file)}
    } finally {
      fs.closeSync(fd)
    }
  }

  /** Writes a context atomically (0600 file in a 0700 folder). */
  write(name: string, settings: ContextSettings): string {
    const file = this.fileOf(name)
    fs.mkdirSync(this.contextsDir, {recursive: true, mode: 0o700})
    writeAtomic(file, `${JSON.stringify(settings, null, 2)}\n`)
    return file
  }

  /** Removes a context (and clears the current one if it was this). */
  remove(name: string): string {
    const file = this.fileOf(name)
    try {
      fs.unlinkSync(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw config(`no context named "${name}"`)
      throw config(`cannot remove ${file}: ${(error as Error).message}`)
    }
    if (this.current() === name) fs.rmSync(this.currentFile, {force: true})
    return file
  }

  /** The name in `current-context`, if any. */
  current(): string | undefined {
    let text: string
    try {
      text = fs.readFileSync(this.currentFile, 'utf8').trim()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw config(`cannot read ${this.currentFile}: ${(error as Error).message}`)
    }
    return text === '' ? undefined : text
  }

  /** No current context. */
  clearCurrent(): void {
    fs.rmSync(this.currentFile, {force: true})
  }

  /** Makes `name` the current context (it must exist). */
  use(name: string): void {
    this.read(name)
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700})
    writeAtomic(this.currentFile, `${name}\n`)
  }
}

/** Writes `text` to `file` through a 0600 temp file in the same folder, fsynced, renamed over it, the folder fsynced. */
function writeAtomic(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`)
  const fd = fs.openSync(temp, 'wx', 0o600)
  try {
    fs.writeFileSync(fd, text)
    fs.fsyncSync(fd)
  } catch (error) {
    fs.closeSync(fd)
    fs.rmSync(temp, {force: true})
    throw error
  }
  fs.closeSync(fd)
  try {
    fs.renameSync(temp, file)
  } catch (error) {
    fs.rmSync(temp, {force: true})
    throw error
  }
  // The rename itself survives a crash once the folder is synced.
  const dir = fs.openSync(path.dirname(file), 'r')
  try {
    fs.fsyncSync(dir)
  } finally {
    fs.closeSync(dir)
  }
}

/** A context file's JSON, checked key by key (an unknown key or a wrong type is refused, naming the file). */
export function parseSettings(text: string, file: string): ContextSettings {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw config(`context file ${file} is not JSON: ${(error as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw config(`context file ${file}: not a JSON object`)
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    const kind = KINDS[key as keyof ContextSettings] as (typeof KINDS)[keyof ContextSettings] | undefined
    if (kind === undefined) throw config(`context file ${file}: unknown key "${key}"`)
    const ok =
      kind === 'strings'
        ? Array.isArray(v) && v.every((s) => typeof s === 'string')
        : kind === 'integer'
          ? Number.isInteger(v)
          : typeof v === kind
    if (!ok) throw config(`context file ${file}: "${key}" must be ${kind === 'strings' ? 'a list of strings' : `a ${kind}`}`)
    out[key] = v
  }
  const oneOf = (key: string, allowed: readonly unknown[]): void => {
    if (out[key] !== undefined && !allowed.includes(out[key]))
      throw config(`context file ${file}: "${key}" must be one of ${allowed.join(', ')}`)
  }
  oneOf('compression', ['none', 'snappy', 'deflate'])
  oneOf('tls_min_version', ['TLSv1.2', 'TLSv1.3'])
  oneOf('deflate_level', [1, 2, 3, 4, 5, 6, 7, 8, 9])
  for (const key of ['auth_secret_env', 'http_auth_env'] as const) {
    const v = out[key]
    if (typeof v === 'string' && !isEnvName(v)) throw config(`context file ${file}: "${key}" must name an environment variable`)
  }
  return out
}
