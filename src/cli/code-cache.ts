/**
 * Loading a CommonJS bundle with V8's code cache (Node 20 has no `module.enableCompileCache`,
 * which needs 22.1). The direct start's bundle (dist/direct/relay.cjs, ~0.9 MB with oclif
 * inlined) costs ~60 ms to load, about half of it compiling; with the cache V8 skips compiling
 * what the cache holds: the top level and every function a build-time run of the command
 * compiled (scripts/bundle-commands.mjs runs it once, refused, with NSQ_WRITE_CODE_CACHE set).
 *
 * The cache file is `<bundle>.v8cache`: the SHA-256 of the bundle's source, then V8's data. V8
 * itself rejects data from another V8 version or made under other V8 flags (then it compiles as
 * usual: nothing breaks, nothing is saved), but it checks only the source's length, so the hash
 * here makes sure a cache is never used for another build of the bundle. NSQ_NO_CODE_CACHE=1
 * loads without the cache (to compare).
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import vm from 'node:vm'
import {envSwitch} from './fast-start.js'

const HASH_LENGTH = 32

/** What loading reports (for tests and benchmarks). */
export interface CodeCacheLoad {
  exports: unknown
  /** 'used': V8 took the cache; 'rejected': V8 refused it; 'stale': made for another source; 'none': no cache file; 'off': NSQ_NO_CODE_CACHE. */
  cache: 'used' | 'rejected' | 'stale' | 'none' | 'off'
}

/**
 * Requires the CommonJS file `file` (absolute) as node would, compiled with its code cache when
 * one made for this very source exists. With NSQ_WRITE_CODE_CACHE set, writes the cache when the
 * process exits (after whatever ran has been compiled).
 */
export function requireWithCodeCache(file: string): CodeCacheLoad {
  const source = readFileSync(file, 'utf8')
  const hash = createHash('sha256').update(source).digest()
  let cache: CodeCacheLoad['cache'] = 'none'
  let cachedData: Buffer | undefined
  const cacheFile = `${file}.v8cache`
  if (envSwitch('NSQ_NO_CODE_CACHE')) cache = 'off'
  else if (existsSync(cacheFile)) {
    const data = readFileSync(cacheFile)
    if (data.length > HASH_LENGTH && data.subarray(0, HASH_LENGTH).equals(hash)) cachedData = data.subarray(HASH_LENGTH)
    else cache = 'stale'
  }
  // The same wrapper node's CommonJS loader puts around a module.
  const wrapper = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`
  const script = new vm.Script(wrapper, {filename: file, ...(cachedData === undefined ? {} : {cachedData})})
  if (cachedData !== undefined) cache = script.cachedDataRejected === true ? 'rejected' : 'used'
  const module = {exports: {} as unknown}
  const run = script.runInThisContext() as (...args: unknown[]) => void
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file))
  if (envSwitch('NSQ_WRITE_CODE_CACHE')) {
    process.once('exit', () => writeFileSync(cacheFile, Buffer.concat([hash, script.createCachedData()])))
  }
  return {exports: module.exports, cache}
}
