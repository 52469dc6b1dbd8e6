/**
 * The toolkit's exit codes, documented in the README and in every command's help.
 * Usage errors (2) come from oclif's parser (package.json `oclif.exitCodes`) or `CONFIG` errors.
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  /** Some records were not published / archived. */
  PARTIAL: 3,
  /** nsqd / nsqlookupd (or S3) unreachable or refused. */
  UNAVAILABLE: 69,
  /** A `--threshold` / `--fail-if` / `--max-regression` check was missed. */
  THRESHOLD: 99,
  /** Interrupted: a second Ctrl-C, or a finite job cut short. */
  INTERRUPTED: 130,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** One line for `--help` and the README. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 ok · 1 runtime failure · 2 usage error · 3 partial failure (some records not published or archived) · ' +
  '69 nsqd/lookupd unreachable · 99 threshold missed · 130 interrupted.'
