/**
 * The toolkit's exit codes (defined with the command contract in tools/result.ts), and their help
 * lines. Usage errors (2) come from oclif's parser (package.json `oclif.exitCodes`, and
 * base-command for the parse errors oclif gives no code of their own) or `usage`-class errors.
 */
import {EXIT, type ExitCode} from '../tools/result.js'

export {EXIT, type ExitCode} from '../tools/result.js'

/** What each exit code means, in the words of the README's table. */
const MEANING: Readonly<Record<ExitCode, string>> = {
  [EXIT.OK]: 'ok',
  [EXIT.FAILURE]: 'runtime failure',
  [EXIT.USAGE]: 'usage error',
  [EXIT.PARTIAL]: 'partial failure (some records not published or archived)',
  [EXIT.UNAVAILABLE]: 'nsqd/lookupd unreachable or refusing',
  [EXIT.THRESHOLD]: 'threshold missed',
  [EXIT.INTERRUPTED]: 'interrupted',
}

/**
 * The exit-codes line of one command's `--help`: only the codes it can end with, each with its
 * meaning, or a command-specific one (e.g. `{69: 'no lookupd answered'}`).
 */
export function exitCodesHelp(codes: readonly ExitCode[], meanings: Partial<Record<ExitCode, string>> = {}): string {
  return `Exit codes: ${codes.map((code) => `${code} ${meanings[code] ?? MEANING[code]}`).join(' · ')}.`
}

/** Every exit code, for commands that have not listed their own yet. */
export const EXIT_CODES_HELP = exitCodesHelp([
  EXIT.OK,
  EXIT.FAILURE,
  EXIT.USAGE,
  EXIT.PARTIAL,
  EXIT.UNAVAILABLE,
  EXIT.THRESHOLD,
  EXIT.INTERRUPTED,
])

/** How duration values read, for the `--help` of commands with duration flags. */
export const DURATIONS_HELP = 'Durations: 500ms, 30s, 5m, 1h30m; a bare number is seconds (2 = 2s).'
