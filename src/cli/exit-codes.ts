/**
 * The toolkit's exit codes (defined with the command contract in tools/result.ts), and their help line.
 * Usage errors (2) come from oclif's parser (package.json `oclif.exitCodes`) or `CONFIG` errors.
 */
export {EXIT, type ExitCode} from '../tools/result.js'

/** One line for `--help` and the README. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 ok · 1 runtime failure · 2 usage error · 3 partial failure (some records not published or archived) · ' +
  '69 nsqd/lookupd unreachable · 99 threshold missed · 130 interrupted.'
