/** The one broken-pipe test: does this output error mean the reader went away (`nsq tail | head`)? */

/** True for the errors that mean "the reader went away" (EPIPE, or a write to a stream already destroyed). */
export function isBrokenPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED'
}
