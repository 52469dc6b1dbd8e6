import {afterEach, describe, expect, it} from 'vitest'
import {DIRECT_COMMANDS, directStartCommand} from '../../src/cli/fast-start.js'

describe('directStartCommand', () => {
  const before = process.env.NSQ_NO_FAST_START
  afterEach(() => {
    if (before === undefined) delete process.env.NSQ_NO_FAST_START
    else process.env.NSQ_NO_FAST_START = before
  })

  it('starts relay directly, whatever its flags', () => {
    delete process.env.NSQ_NO_FAST_START
    expect([...DIRECT_COMMANDS]).toEqual(['relay'])
    expect(directStartCommand(['relay'])).toBe('relay')
    expect(directStartCommand(['relay', '--topic', 't', '--destination-nsqd-tcp-address', 'h:4150', '--json'])).toBe('relay')
  })

  it('leaves a help flag anywhere, other commands, a bare nsq and NSQ_NO_FAST_START to oclif', () => {
    delete process.env.NSQ_NO_FAST_START
    expect(directStartCommand(['relay', '--help'])).toBeUndefined()
    expect(directStartCommand(['relay', '--topic', 't', '-h'])).toBeUndefined()
    expect(directStartCommand(['relay', '--', '--help'])).toBeUndefined()
    expect(directStartCommand(['to-file', 't'])).toBeUndefined()
    expect(directStartCommand(['tail', 't'])).toBeUndefined()
    expect(directStartCommand(['--topic', 'relay'])).toBeUndefined()
    expect(directStartCommand([])).toBeUndefined()
    process.env.NSQ_NO_FAST_START = '1'
    expect(directStartCommand(['relay', '--topic', 't'])).toBeUndefined()
    process.env.NSQ_NO_FAST_START = '0'
    expect(directStartCommand(['relay', '--topic', 't'])).toBe('relay')
  })
})
