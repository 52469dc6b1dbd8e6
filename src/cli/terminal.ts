/**
 * The one TTY test. Whether a person watches a stream decides the prompts, notes and live
 * redraws a command may show; every command asks here instead of reading `isTTY` itself.
 */

/** True when `stream` is a terminal (stdin typed at, stdout / stderr read by a person). */
export function isTerminal(stream: {isTTY?: boolean}): boolean {
  return stream.isTTY === true
}

/**
 * True when a view may be redrawn in place on `stream` (a progress line, a live table): a
 * terminal that understands cursor movement (not `TERM=dumb`) and not a CI log.
 */
export function canRedraw(stream: {isTTY?: boolean} = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return isTerminal(stream) && env.TERM !== 'dumb' && env.CI === undefined
}

/** Live redraws / progress on stderr ({@link canRedraw} of stderr). */
export function interactiveStderr(env: NodeJS.ProcessEnv = process.env): boolean {
  return canRedraw(process.stderr, env)
}
