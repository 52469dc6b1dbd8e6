/**
 * Start-up fast paths: `nsq --version`, each drop-in's `-version` and `nsq <command> --help`
 * answered without loading oclif (which alone costs ~3× a bare `node -e ''`: about 160 modules).
 * Imports nothing but node built-ins. Each path answers only when its answer is byte-for-byte
 * what oclif would print, and otherwise returns false so the caller runs oclif as before:
 *
 * - version: oclif prints its `userAgent`, `<name>/<version> <platform>-<arch> node-<version>`,
 *   read here from package.json. Under WSL oclif says `wsl` for the platform; rather than repeat
 *   its detection, a kernel that looks like WSL falls back to oclif.
 * - help: the texts oclif renders at build time (`scripts/render-help.mjs` → `dist/help.json`), at
 *   oclif's default width of 80 columns without colour. oclif wraps help to the terminal, so the
 *   pre-rendered text is used only when oclif would use 80 columns too (stdout not a terminal, or
 *   a terminal 80 wide, or `OCLIF_COLUMNS=80`) and no user theme could colour it; any other width
 *   falls back to oclif. test/e2e/fast-start.e2e.test.ts checks both paths print the same bytes.
 * - direct start (`directStartCommand`): `nsq relay …` runs its command without oclif's `run()`
 *   around it (src/cli/direct-start.ts says what that skips), with the same parsing and errors.
 *
 * `NSQ_NO_FAST_START=1` turns the fast paths off (the tests compare against oclif with it).
 */
import {existsSync, readFileSync} from 'node:fs'
import {arch, homedir, platform, release} from 'node:os'
import {join} from 'node:path'

const PACKAGE_JSON = new URL('../../package.json', import.meta.url)
const HELP_JSON = new URL('../help.json', import.meta.url)

/** The help flags oclif answers here (package.json `additionalHelpFlags` adds `-h`). */
const HELP_FLAGS = new Set(['--help', '-h'])

/** What `scripts/render-help.mjs` writes. */
export interface RenderedHelp {
  version: string
  width: number
  /** Command or topic id (`tail`, `bench:pub`, `bench`; `` for the root) → the help oclif printed. */
  texts: Record<string, string>
}

interface PackageJson {
  name: string
  version: string
  engines?: {node?: string}
}

/** An on/off environment switch (NSQ_NO_FAST_START, NSQ_NO_CODE_CACHE …): on unless unset, '' or '0'. */
export function envSwitch(name: string): boolean {
  const value = process.env[name]
  return value !== undefined && value !== '' && value !== '0'
}

const fastStartOff = (): boolean => envSwitch('NSQ_NO_FAST_START')

export function readPackage(): PackageJson {
  return JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as PackageJson
}

/** oclif's `config.userAgent`, or undefined when oclif might say otherwise (WSL, Windows). */
export function versionLine(pjson: PackageJson = readPackage()): string | undefined {
  const os = platform()
  if (os === 'win32') return undefined
  if (os === 'linux' && looksLikeWsl()) return undefined
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${pjson.name}/${pjson.version} ${os}-${cpu} node-${process.version}`
}

function looksLikeWsl(): boolean {
  if (release().toLowerCase().includes('microsoft')) return true
  try {
    if (readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return true
  } catch {
    // no /proc: not WSL
  }
  return existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')
}

/** The width oclif would wrap help to (its screen.ts: `OCLIF_COLUMNS`, else the terminal's, else 80). */
export function helpWidth(stdout: NodeJS.WriteStream = process.stdout): number {
  const columns = Number.parseInt(process.env.OCLIF_COLUMNS ?? '', 10)
  if (columns) return columns
  if (!stdout.isTTY) return 80
  const width = stdout.getWindowSize()[0]
  if (width < 1) return 80
  return Math.max(width, 40)
}

/** A user theme (`~/.config/nsq-toolkit/theme.json`) could colour oclif's help: leave it to oclif. */
function mayBeThemed(): boolean {
  if (process.env.NSQ_CONFIG_DIR !== undefined) return true
  const base = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config')
  return existsSync(join(base, 'nsq-toolkit', 'theme.json'))
}

/** The pre-rendered help for `argv` (`[...id words, --help | -h]`), or undefined. */
export function renderedHelp(argv: readonly string[], version: string): string | undefined {
  const last = argv.at(-1)
  if (last === undefined || !HELP_FLAGS.has(last)) return undefined
  const words = argv.slice(0, -1)
  if (words.some((word) => word.startsWith('-'))) return undefined
  let rendered: RenderedHelp
  try {
    rendered = JSON.parse(readFileSync(HELP_JSON, 'utf8')) as RenderedHelp
  } catch {
    return undefined
  }
  if (rendered.version !== version || helpWidth() !== rendered.width || mayBeThemed()) return undefined
  return Object.hasOwn(rendered.texts, words.join(':')) ? rendered.texts[words.join(':')] : undefined
}

/**
 * Answers `nsq --version`, `nsq <command> --help` or a bare `nsq` (the root help) if it can;
 * true when it did (the caller then exits without loading oclif).
 */
export function fastStart(argv: readonly string[]): boolean {
  if (fastStartOff()) return false
  if (argv[0] === '--version') return printVersion()
  // A bare `nsq` prints the root help, as `nsq --help` does.
  const helpArgv = argv.length === 0 ? ['--help'] : argv
  if (!HELP_FLAGS.has(helpArgv.at(-1) as string)) return false
  const text = renderedHelp(helpArgv, readPackage().version)
  if (text === undefined) return false
  process.stdout.write(text)
  return true
}

/** Prints the version line as oclif does; false when it is oclif's to print. */
export function printVersion(): boolean {
  if (fastStartOff()) return false
  const line = versionLine()
  if (line === undefined) return false
  process.stdout.write(`${line}\n`)
  return true
}

/** The commands with a direct start (src/cli/direct-start.ts; built as dist/direct/<id>.js). */
export const DIRECT_COMMANDS: ReadonlySet<string> = new Set(['relay'])

/**
 * The command to start directly for this argv (`relay …`), or undefined for oclif's own path:
 * another command, a help flag anywhere in it (oclif renders help: looking past `--` too is
 * only more careful than oclif), or NSQ_NO_FAST_START set.
 */
export function directStartCommand(argv: readonly string[]): string | undefined {
  if (fastStartOff()) return undefined
  const [id, ...rest] = argv
  if (id === undefined || !DIRECT_COMMANDS.has(id)) return undefined
  if (rest.some((arg) => HELP_FLAGS.has(arg))) return undefined
  return id
}
