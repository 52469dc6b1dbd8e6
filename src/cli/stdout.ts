/**
 * oclif installs a process.stdout 'error' handler that swallows EPIPE, so `nsq tail | head -3`
 * would never exit (cli-ux.md §5.2). Streaming commands register this watcher and stop when
 * the reader goes away (EPIPE: success, exit 0) or stdout fails otherwise (e.g. ENOSPC: error).
 */
export function watchStdout(onClosed: (error: NodeJS.ErrnoException) => void, stream: NodeJS.WriteStream = process.stdout): () => void {
  const listener = (error: NodeJS.ErrnoException): void => onClosed(error)
  stream.on('error', listener)
  return () => {
    stream.off('error', listener)
  }
}

/** True for the errors that mean "the reader went away" (the one test lives in tools). */
export {isBrokenPipe} from '../tools/broken-pipe.js'

/**
 * Writes `data` and resolves once the stream can take more: at once when write() says so,
 * otherwise on 'drain', or when `signal` aborts (a stopped command must not wait on a reader that
 * went away).
 */
export function writeWithBackpressure(
  data: string | Buffer,
  signal: AbortSignal,
  stream: NodeJS.WriteStream = process.stdout,
): Promise<void> {
  if (data.length === 0 || stream.write(data)) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    stream.once('drain', done)
    signal.addEventListener('abort', done, {once: true})
  })
}
