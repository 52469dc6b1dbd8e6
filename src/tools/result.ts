/**
 * The command contract shared by every tool: a tool returns a typed {@link ToolResult} (its
 * summary and the exit code it earned) and `cli/` turns it into output and the process exit
 * code in one place. The exit codes live here, below `cli/`, so tools can choose them.
 */

/** The toolkit's exit codes, documented in the README and in every command's help. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  /** Some records were not published / archived / delivered, or some nodes failed an admin action. */
  PARTIAL: 3,
  /** nsqd / nsqlookupd (or S3, or an HTTP endpoint) unreachable or refusing. */
  UNAVAILABLE: 69,
  /** A `--threshold` / `--fail-if` / `--max-regression` check was missed. */
  THRESHOLD: 99,
  /** Interrupted: a second Ctrl-C, or a finite job cut short. */
  INTERRUPTED: 130,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** What every tool returns: the summary it reports (`--json` prints it) and its exit code. */
export interface ToolResult<S> {
  summary: S
  exitCode: ExitCode
}

/**
 * The one Ctrl-C rule. A stop asked for by the user (Ctrl-C, SIGTERM) that drained cleanly ends
 * with 0 for a follower, a command that runs until stopped (`tail` without `-n`, `to-file`,
 * `relay`, `to-http`, `stat`), and with 130 for a finite job cut short (`to-nsq` before the end
 * of its input, `tail -n N` before N, `bench`, `replay`). The reader of stdout leaving (EPIPE)
 * is not an interruption: it ends with 0 either way.
 */
export function stoppedExitCode(kind: 'follower' | 'finite'): ExitCode {
  return kind === 'follower' ? EXIT.OK : EXIT.INTERRUPTED
}
