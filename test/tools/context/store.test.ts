import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {isNsqError} from '../../../src/core/index.js'
import {configDir, ContextStore, parseSettings, validateContextName} from '../../../src/tools/context/store.js'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-store-'))
})
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}))

/** The error `fn` throws (it must throw an NsqError with code CONFIG: exit 2). */
function configError(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(isNsqError(error) && error.code).toBe('CONFIG')
    return (error as Error).message
  }
  throw new Error('did not throw')
}

describe('ContextStore', () => {
  it('writes a context as a 0600 file in a 0700 folder, reads it back, lists it', () => {
    const store = new ContextStore(path.join(dir, 'nsq-toolkit'))
    const file = store.write('prod', {description: 'p', lookupd_http_address: ['l:4161'], compression: 'snappy'})
    expect(file).toBe(path.join(dir, 'nsq-toolkit', 'contexts', 'prod.json'))
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700)
    expect(store.read('prod').settings).toEqual({description: 'p', lookupd_http_address: ['l:4161'], compression: 'snappy'})
    store.write('dev', {})
    expect(store.names()).toEqual(['dev', 'prod'])
    // No temp file is left behind by the atomic write.
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['dev.json', 'prod.json'])
  })

  it('replaces a context atomically (the old content is never half-written)', () => {
    const store = new ContextStore(dir)
    store.write('a', {nsqd_tcp_address: ['old:4150']})
    store.write('a', {nsqd_tcp_address: ['new:4150']})
    expect(store.read('a').settings.nsqd_tcp_address).toEqual(['new:4150'])
  })

  it('refuses a context file readable by group or others, naming the file and the chmod fix', () => {
    const store = new ContextStore(dir)
    const file = store.write('shared', {nsqd_tcp_address: ['a:4150']})
    for (const mode of [0o644, 0o640, 0o604, 0o620]) {
      fs.chmodSync(file, mode)
      const message = configError(() => store.read('shared'))
      expect(message).toContain(file)
      expect(message).toContain(`chmod 600 ${file}`)
      expect(message).toContain(`mode 0${mode.toString(8)}`)
    }
    fs.chmodSync(file, 0o600)
    expect(store.read('shared').settings.nsqd_tcp_address).toEqual(['a:4150'])
  })

  it('current: use, read back, cleared by rm of that context; use of an unknown one is refused', () => {
    const store = new ContextStore(dir)
    expect(store.current()).toBeUndefined()
    store.write('a', {})
    store.write('b', {})
    store.use('a')
    expect(store.current()).toBe('a')
    expect(fs.statSync(store.currentFile).mode & 0o777).toBe(0o600)
    store.remove('b')
    expect(store.current()).toBe('a')
    store.remove('a')
    expect(store.current()).toBeUndefined()
    expect(configError(() => store.use('nope'))).toMatch(/no context named "nope"/)
    expect(configError(() => store.remove('nope'))).toMatch(/no context named "nope"/)
  })

  it('names: no slashes, no dot files, no "..": each refused with what a name may hold', () => {
    for (const bad of ['a/b', '../x', '.hidden', '-x', '', 'a b', 'x'.repeat(65), 'a..b', 'a\\b'])
      expect(configError(() => validateContextName(bad))).toMatch(/letters, digits/)
    for (const good of ['prod', 'eu-west.1', 'a_b', '9'.repeat(64)]) expect(() => validateContextName(good)).not.toThrow()
  })

  it('a file with an unknown key (e.g. a secret typed in by hand) or a wrong type is refused, without echoing values', () => {
    expect(configError(() => parseSettings('{"auth_secret": "hunter2-visible"}', '/f.json'))).not.toContain('hunter2')
    expect(configError(() => parseSettings('{"auth_secret": "x"}', '/f.json'))).toMatch(/unknown key "auth_secret"/)
    expect(configError(() => parseSettings('{"nsqd_tcp_address": "a:4150"}', '/f.json'))).toMatch(/list of strings/)
    expect(configError(() => parseSettings('{"compression": "lz4"}', '/f.json'))).toMatch(/one of none, snappy, deflate/)
    expect(configError(() => parseSettings('{"auth_secret_env": "not a name!"}', '/f.json'))).toMatch(/name an environment variable/)
    expect(configError(() => parseSettings('[1]', '/f.json'))).toMatch(/not a JSON object/)
    expect(configError(() => parseSettings('{', '/f.json'))).toMatch(/not JSON/)
  })

  it('configDir: an absolute XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configDir({XDG_CONFIG_HOME: '/x/cfg'})).toBe('/x/cfg/nsq-toolkit')
    expect(configDir({XDG_CONFIG_HOME: 'relative'})).toBe(path.join(os.homedir(), '.config', 'nsq-toolkit'))
    expect(configDir({})).toBe(path.join(os.homedir(), '.config', 'nsq-toolkit'))
  })
})
