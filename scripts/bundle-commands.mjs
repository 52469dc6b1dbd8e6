// Build step (after tsc): replaces the entry module of the commands whose start-up counts in
// their speed target (`relay`, timed from spawn in `npm run bench:compare`) with an esbuild bundle
// of the same module and everything of ours it imports, so that node links one module instead of
// ~76 (import 50 → 24 ms, 5 runs each; README "Start-up"). Packages (oclif, chalk, snappy,
// prom-client) stay imports, resolved as before; what the command imports lazily with `import()`
// of our own code is in the bundle but runs only when reached, as before (esbuild wraps it).
// Nothing of ours outside the bundle shares state with it: the bins' own modules (fast-start,
// lean-heap's early call, load-oclif) are only called before the command loads.
// tsc's .d.ts stays; the source map is the bundle's, chained to src/.
//
// Then the direct starts (src/direct/<id>.ts → dist/direct/<id>.cjs, src/cli/direct-start.ts):
// the command with oclif itself inlined, for bin/run.js and the drop-in to load instead of
// oclif's run(), as CommonJS so that it can be compiled with V8's code cache (src/cli/code-cache.ts;
// the cache is written by one run of it here, dist/direct/<id>.cjs.v8cache). Only packages that are native, heavy and lazily imported, or that oclif only
// requires on paths a direct start never takes, stay imports: snappy (a native addon),
// prom-client, undici and the AWS SDK (imported when a flag asks for them), semver (oclif's
// engine check, skipped as in src/cli/load-oclif.ts), typescript (oclif's ts-node support).
// Our modules' `import.meta.url` becomes the bundle's own file URL (same depth as dist/cli/).
// test/e2e/command-bundle.e2e.test.ts checks the built files.
import {spawnSync} from 'node:child_process'
import {readFileSync, rmSync, statSync} from 'node:fs'
import {createServer} from 'node:net'
import {builtinModules} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

export const BUNDLED_COMMANDS = ['relay']
// Each direct start with the arguments of the run that writes its code cache: a refused
// connection (exit 69) to the port in ADDRESS.
export const DIRECT_STARTS = {
  relay: ['--topic', 'code_cache', '--nsqd-tcp-address', 'ADDRESS', '--destination-nsqd-tcp-address', 'ADDRESS'],
}
// fdir (oclif's globbing) also tries require.resolve('picomatch') in a try; the bundle has the copy it uses.
const OPTIONAL_REQUIRES = ['picomatch']
const DIRECT_EXTERNAL = ['snappy', 'prom-client', 'undici', '@aws-sdk/*', 'semver', 'typescript']
const DIRECT_BANNER =
  "// direct start bundled by scripts/bundle-commands.mjs\nconst __nsqImportMetaUrl = require('node:url').pathToFileURL(__filename).href;"

const dir = fileURLToPath(new URL('../dist/commands/', import.meta.url))

for (const command of BUNDLED_COMMANDS) {
  const file = path.join(dir, `${command}.js`)
  if (readFileSync(file, 'utf8').startsWith('// bundled by scripts/bundle-commands.mjs')) {
    console.log(`dist/commands/${command}.js is already bundled (run tsc first to rebuild it)`)
    continue
  }
  const result = await build({
    entryPoints: [file],
    outfile: file,
    allowOverwrite: true,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    banner: {js: '// bundled by scripts/bundle-commands.mjs'},
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  })
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint !== undefined)
  const ours = (output?.imports ?? []).filter((i) => i.path.startsWith('.') || i.path.startsWith('/'))
  if (ours.length > 0) throw new Error(`dist/commands/${command}.js still imports files of ours: ${ours.map((i) => i.path).join(', ')}`)
  const packages = [
    ...new Set((output?.imports ?? []).map((i) => i.path).filter((p) => !p.startsWith('node:') && !builtinModules.includes(p))),
  ]
  console.log(`bundled dist/commands/${command}.js (${Object.keys(result.metafile.inputs).length} modules; imports ${packages.join(', ')})`)
}

const directDir = fileURLToPath(new URL('../dist/direct/', import.meta.url))
// The bins start directly what dist/cli/fast-start.js lists: the same commands must be built here.
const {DIRECT_COMMANDS} = await import('../dist/cli/fast-start.js')
const listed = [...DIRECT_COMMANDS].sort().join(', ')
if (listed !== Object.keys(DIRECT_STARTS).sort().join(', '))
  throw new Error(`DIRECT_STARTS (${Object.keys(DIRECT_STARTS).join(', ')}) is not DIRECT_COMMANDS of src/cli/fast-start.ts (${listed})`)
for (const command of Object.keys(DIRECT_STARTS)) {
  const entry = path.join(directDir, `${command}.js`)
  const file = path.join(directDir, `${command}.cjs`)
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    external: DIRECT_EXTERNAL,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // import() of a package becomes require(): a script compiled by node:vm (the code cache)
    // cannot import() without an experimental option.
    supported: {'dynamic-import': false},
    // Our modules find package.json and dist/help.json from their own URL.
    define: {'import.meta.url': '__nsqImportMetaUrl'},
    sourcemap: 'linked',
    banner: {js: DIRECT_BANNER},
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  })
  for (const tscOutput of [entry, `${entry}.map`]) rmSync(tscOutput)
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint !== undefined)
  const imports = [...new Set((output?.imports ?? []).map((i) => i.path))]
  const left = imports.filter(
    (p) =>
      !p.startsWith('node:') &&
      !builtinModules.includes(p) &&
      !OPTIONAL_REQUIRES.includes(p) &&
      !DIRECT_EXTERNAL.some((e) => (e.endsWith('*') ? p.startsWith(e.slice(0, -1)) : p === e)),
  )
  if (left.length > 0) throw new Error(`dist/direct/${command}.cjs still imports ${left.join(', ')}`)
  const kib = Math.round((output?.bytes ?? 0) / 1024)
  console.log(`bundled dist/direct/${command}.cjs (${Object.keys(result.metafile.inputs).length} modules, ${kib} KiB)`)
  await writeCodeCache(command)
}

/**
 * Runs the direct start once with NSQ_WRITE_CODE_CACHE set, so that its cache holds what a run
 * compiles: parsing the flags, loading the config, connecting. The run is refused (a port just
 * closed, on 127.0.0.1) and exits 69, as a refused relay does; any other exit fails the build.
 */
async function writeCodeCache(command) {
  const port = await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address()
      server.close(() => resolve(port))
    })
  })
  const address = `127.0.0.1:${port}`
  const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
  const args = [bin, command, ...DIRECT_STARTS[command].map((arg) => (arg === 'ADDRESS' ? address : arg))]
  // V8 tags its data with the V8 flags in force when it is made, and rejects it under others. The
  // flags a command sets before its bundle loads (src/cli/lean-heap.ts: smallYoungGeneration) are
  // set here too; those it sets once running (leanHeap) are not while NSQ_WRITE_CODE_CACHE is
  // set, so the data matches the flags at load.
  const env = {...process.env, NSQ_WRITE_CODE_CACHE: '1', NO_COLOR: '1'}
  for (const name of ['NSQ_NO_FAST_START', 'NSQ_NO_CODE_CACHE', 'NSQ_LEAN_HEAP', 'NODE_OPTIONS']) delete env[name]
  const run = spawnSync(process.execPath, args, {env, encoding: 'utf8', timeout: 60_000})
  if (run.status !== 69) throw new Error(`writing the code cache: nsq ${command} exited ${run.status}, not 69 (refused)\n${run.stderr}`)
  const cache = path.join(directDir, `${command}.cjs.v8cache`)
  console.log(`wrote dist/direct/${command}.cjs.v8cache (${Math.round(statSync(cache).size / 1024)} KiB)`)
}
