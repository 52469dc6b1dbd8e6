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
// Then the direct starts (src/direct/<id>.ts → dist/direct/<id>.js, src/cli/direct-start.ts):
// the command with oclif itself inlined, for bin/run.js and the drop-in to import instead of
// oclif's run(). Only packages that are native, heavy and lazily imported, or that oclif only
// requires on paths a direct start never takes, stay imports: snappy (a native addon),
// prom-client, undici and the AWS SDK (imported when a flag asks for them), semver (oclif's
// engine check, skipped as in src/cli/load-oclif.ts), typescript (oclif's ts-node support).
// The inlined CommonJS calls `require`, which an ES module lacks: the banner makes one.
// test/e2e/command-bundle.e2e.test.ts checks the built files.
import {readFileSync} from 'node:fs'
import {builtinModules} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

export const BUNDLED_COMMANDS = ['relay']
export const DIRECT_STARTS = ['relay']
const DIRECT_EXTERNAL = ['snappy', 'prom-client', 'undici', '@aws-sdk/*', 'semver', 'typescript']
const DIRECT_BANNER =
  "// direct start bundled by scripts/bundle-commands.mjs\nimport {createRequire as __nsqCreateRequire} from 'node:module'; const require = __nsqCreateRequire(import.meta.url);"

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
for (const command of DIRECT_STARTS) {
  const file = path.join(directDir, `${command}.js`)
  if (readFileSync(file, 'utf8').startsWith('// direct start bundled')) {
    console.log(`dist/direct/${command}.js is already bundled (run tsc first to rebuild it)`)
    continue
  }
  const result = await build({
    entryPoints: [file],
    outfile: file,
    allowOverwrite: true,
    bundle: true,
    external: DIRECT_EXTERNAL,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    banner: {js: DIRECT_BANNER},
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  })
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint !== undefined)
  const imports = [...new Set((output?.imports ?? []).map((i) => i.path))]
  const left = imports.filter(
    (p) =>
      !p.startsWith('node:') &&
      !builtinModules.includes(p) &&
      !DIRECT_EXTERNAL.some((e) => (e.endsWith('*') ? p.startsWith(e.slice(0, -1)) : p === e)),
  )
  if (left.length > 0) throw new Error(`dist/direct/${command}.js still imports ${left.join(', ')}`)
  const kib = Math.round(
    Object.values(result.metafile.outputs).reduce((sum, out) => sum + (out.entryPoint === undefined ? 0 : out.bytes), 0) / 1024,
  )
  console.log(`bundled dist/direct/${command}.js (${Object.keys(result.metafile.inputs).length} modules, ${kib} KiB)`)
}
