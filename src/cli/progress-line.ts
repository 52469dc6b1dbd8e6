/**
 * The one progress-line writer: a line on stderr redrawn in place (`\r` + erase to end of line)
 * while a long run goes on, only when stderr is an interactive terminal and the command is not
 * quiet or writing `--json`. Commands give it a render function; it owns the timer and the escape.
 */
import {interactiveStderr} from './terminal.js'

/** Carriage return + "erase to end of line": where a redrawn line starts. */
const REDRAW = '\r\u001B[K'

export interface ProgressLineOptions {
  /** The line to show now (no newline). */
  render(): string
  /** Redraw period (default 250 ms). */
  intervalMs?: number
  /** False turns it into a no-op (e.g. `--quiet`, `--json`). */
  enabled?: boolean
  /** Where it is drawn (default process.stderr); must be interactive unless `force`. */
  stream?: NodeJS.WriteStream
  /** Draw even when the stream is not an interactive terminal (tests). */
  force?: boolean
}

export interface ProgressLine {
  /** True when it draws anything at all. */
  readonly active: boolean
  /** Redraws now (also done on every tick). */
  draw(): void
  /** Erases the line before other output is written to the same stream, then goes on. */
  clear(): void
  /** Stops the timer and erases the line. Safe to call twice. */
  stop(): void
}

/** Starts a progress line (a no-op one when not interactive, quiet or disabled). */
export function startProgressLine(options: ProgressLineOptions): ProgressLine {
  const stream = options.stream ?? process.stderr
  const active = options.enabled !== false && (options.force === true || (stream === process.stderr && interactiveStderr()))
  if (!active) return {active, draw: () => undefined, clear: () => undefined, stop: () => undefined}
  let drawn = false
  const draw = (): void => {
    stream.write(`${REDRAW}${options.render()}`)
    drawn = true
  }
  const clear = (): void => {
    if (drawn) stream.write(REDRAW)
    drawn = false
  }
  let timer: NodeJS.Timeout | undefined = setInterval(draw, options.intervalMs ?? 250)
  timer.unref()
  return {
    active,
    draw,
    clear,
    stop: () => {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      clear()
    },
  }
}
