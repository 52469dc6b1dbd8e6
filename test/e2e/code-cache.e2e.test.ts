/**
 * The direct start's code cache (src/cli/code-cache.ts): the build writes one that V8 takes in a
 * fresh node; it is not used for another source of the same length, nor under other V8 flags
 * (V8 refuses it), and the bundle still loads and works then; NSQ_NO_CODE_CACHE=1 skips it.
 * Each case runs in its own node, as the CLI does (a test worker's V8 flags may differ).
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-code-cache-'))
afterAll(() => fs.rmSync(work, {recursive: true, force: true}))

const loader = path.resolve('dist/cli/code-cache.js')
const bundle = path.resolve('dist/direct/relay.cjs')

/** Loads `file` with its cache in a new node; returns what the loader said and what it exports. */
function load(file: string, options: {env?: NodeJS.ProcessEnv; nodeArgs?: string[]; command?: string} = {}): {cache: string; run: string} {
  // As bin/run.js does before loading a command: its V8 flags for the young generation.
  const before =
    options.command === undefined
      ? ''
      : `import {smallYoungGeneration} from ${JSON.stringify(path.resolve('dist/cli/lean-heap.js'))}
smallYoungGeneration(${JSON.stringify(options.command)})
`
  const script = `${before}import {requireWithCodeCache} from ${JSON.stringify(loader)}
const loaded = requireWithCodeCache(${JSON.stringify(file)})
console.log(JSON.stringify({cache: loaded.cache, run: typeof loaded.exports.run}))`
  const env = {...process.env, ...options.env}
  delete env.NODE_OPTIONS
  if (options.env?.NSQ_NO_CODE_CACHE === undefined) delete env.NSQ_NO_CODE_CACHE
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), '--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  })
  expect(result.status, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as {cache: string; run: string}
}

describe('code cache of the direct start', () => {
  it('the built cache is taken by a fresh node; NSQ_NO_CODE_CACHE=1 loads without it', () => {
    expect(fs.existsSync(`${bundle}.v8cache`)).toBe(true)
    expect(load(bundle)).toEqual({cache: 'used', run: 'function'})
    expect(load(bundle, {env: {NSQ_NO_CODE_CACHE: '1'}})).toEqual({cache: 'off', run: 'function'})
  }, 60_000)

  it('is taken after what bin/run.js does before loading the relay (its young-generation flags: none for the relay)', () => {
    expect(load(bundle, {command: 'relay'})).toEqual({cache: 'used', run: 'function'})
  }, 60_000)

  it('under other V8 flags V8 refuses it and the bundle compiles as usual', () => {
    expect(load(bundle, {nodeArgs: ['--no-sparkplug']})).toEqual({cache: 'rejected', run: 'function'})
  }, 60_000)

  it('a cache made for another source of the same length is not used', () => {
    const source = fs.readFileSync(bundle, 'utf8')
    const changed = path.join(work, 'relay.cjs')
    // Same length, one character of a comment changed: V8 alone would take the old cache.
    fs.writeFileSync(changed, source.replace('// direct start bundled', '// direct start bundleD'))
    expect(fs.statSync(changed).size).toBe(fs.statSync(bundle).size)
    fs.copyFileSync(`${bundle}.v8cache`, `${changed}.v8cache`)
    expect(load(changed)).toEqual({cache: 'stale', run: 'function'})
    fs.rmSync(`${changed}.v8cache`)
    expect(load(changed)).toEqual({cache: 'none', run: 'function'})
  }, 60_000)

  it('NSQ_WRITE_CODE_CACHE writes a cache on exit that the next load takes', () => {
    const file = path.join(work, 'small.cjs')
    fs.writeFileSync(file, 'exports.run = function run() { return 42 }\n')
    expect(load(file, {env: {NSQ_WRITE_CODE_CACHE: '1'}})).toEqual({cache: 'none', run: 'function'})
    expect(fs.existsSync(`${file}.v8cache`)).toBe(true)
    expect(load(file)).toEqual({cache: 'used', run: 'function'})
  }, 60_000)
})
