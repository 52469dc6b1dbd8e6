import {EventEmitter} from 'node:events'
import {describe, expect, it} from 'vitest'
import {frame, LiveScreen} from '../../src/cli/live-screen.js'

class FakeOut extends EventEmitter {
  text = ''
  write(chunk: string): boolean {
    this.text += chunk
    return true
  }
}

class FakeTty extends EventEmitter {
  isTTY = true
  raw: boolean[] = []
  setRawMode(on: boolean): this {
    this.raw.push(on)
    return this
  }
  resume(): this {
    return this
  }
  pause(): this {
    return this
  }
}

describe('LiveScreen', () => {
  it('hides the cursor, draws frames in place, redraws on resize, and restores cursor and raw mode', async () => {
    const out = new FakeOut()
    const stdin = new FakeTty()
    const events: string[] = []
    const screen = new LiveScreen({
      onQuit: () => events.push('quit'),
      onInterrupt: () => events.push('interrupt'),
      write: async (text) => void out.write(text),
      stdout: out as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
    })
    let n = 0
    await screen.draw(() => `frame ${++n}\nline`)
    expect(out.text).toBe(`\u001B[?25l\u001B[2J${frame('frame 1\nline')}`)
    expect(frame('a\nb')).toBe('\u001B[Ha\u001B[K\nb\u001B[J')
    out.emit('resize')
    expect(out.text.endsWith(frame('frame 2\nline'))).toBe(true)
    stdin.emit('data', Buffer.from('xq\u0003'))
    expect(events).toEqual(['quit', 'interrupt'])
    expect(stdin.raw).toEqual([true])
    screen.end()
    screen.end()
    expect(out.text.endsWith('\u001B[?25h')).toBe(true)
    expect(out.text.split('\u001B[?25h')).toHaveLength(2)
    expect(stdin.raw).toEqual([true, false])
    expect(out.listenerCount('resize')).toBe(0)
    expect(stdin.listenerCount('data')).toBe(0)
  })
})
