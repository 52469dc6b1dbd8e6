/**
 * A full-screen view redrawn in place on a terminal (cli-ux.md §5.7): hides the cursor, clears
 * once, draws each frame from the top-left corner (clearing what the previous frame left),
 * redraws on resize, and reads keys in raw mode (`q` quits; Ctrl-C, which raw mode delivers as a
 * byte, goes to the command's SIGINT handling). `end()` restores the cursor and the terminal
 * mode, and a forced `process.exit` still shows the cursor again.
 */
import {isTerminal} from './terminal.js'

const CSI = '\u001B['

export interface LiveScreenOptions {
  /** Called on `q`. */
  onQuit: () => void
  /** Called on Ctrl-C (raw mode turns it into a key instead of SIGINT). */
  onInterrupt: () => void
  /** Writes to stdout honouring backpressure. */
  write: (text: string) => Promise<void>
  stdout?: NodeJS.WriteStream
  stdin?: NodeJS.ReadStream
}

export class LiveScreen {
  private started = false
  private latest: (() => string) | undefined
  private undo: (() => void) | undefined
  private readonly stdout: NodeJS.WriteStream
  private readonly stdin: NodeJS.ReadStream

  constructor(private readonly options: LiveScreenOptions) {
    this.stdout = options.stdout ?? process.stdout
    this.stdin = options.stdin ?? process.stdin
  }

  /** Draws a frame; `render` is kept to redraw it when the terminal is resized. */
  async draw(render: () => string): Promise<void> {
    this.latest = render
    if (!this.started) this.start()
    await this.options.write(frame(render()))
  }

  /** Restores the cursor and the terminal mode. Safe to call more than once. */
  end(): void {
    if (!this.started) return
    this.started = false
    this.undo?.()
    this.stdout.write(`${CSI}?25h`)
  }

  private start(): void {
    this.started = true
    this.stdout.write(`${CSI}?25l${CSI}2J`)
    const redraw = (): void => {
      if (this.latest !== undefined) void this.options.write(frame(this.latest()))
    }
    const showCursor = (): void => void this.stdout.write(`${CSI}?25h`)
    this.stdout.on('resize', redraw)
    process.once('exit', showCursor)
    const stopKeys = this.readKeys()
    this.undo = () => {
      this.stdout.off('resize', redraw)
      process.off('exit', showCursor)
      stopKeys()
    }
  }

  private readKeys(): () => void {
    const stdin = this.stdin
    if (!isTerminal(stdin)) return () => undefined
    const onKey = (data: Buffer): void => {
      for (const key of data.toString('utf8')) {
        if (key === 'q' || key === 'Q') this.options.onQuit()
        else if (key === '\u0003') this.options.onInterrupt()
      }
    }
    stdin.setRawMode(true)
    stdin.on('data', onKey)
    stdin.resume()
    return () => {
      stdin.off('data', onKey)
      stdin.setRawMode(false)
      stdin.pause()
    }
  }
}

/** A frame drawn from the top-left corner, each line cleared to its end, the rest cleared below. */
export function frame(text: string): string {
  return `${CSI}H${text.replace(/\n/g, `${CSI}K\n`)}${CSI}J`
}
