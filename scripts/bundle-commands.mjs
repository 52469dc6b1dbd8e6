// Build step (after tsc): replaces the entry module of the commands whose start-up counts in
// their speed target (`relay`, timed from spawn in `npm run bench:compare`) with an esbuild bundle
// of the same module and everything of ours it imports, so that node links one module instead of
// ~76 (import 50 → 24 ms, 5 runs each; README "Start-up"). Packages (oclif, chalk, snappy,
// prom-client) stay imports, resolved as before; what the command imports lazily with `import()`
// of our own code is in the bundle but runs only when reached, as before (esbuild wraps it).
// Nothing of ours outside the bundle shares state with it: the bins' own modules (fast-start,
// lean-heap's early call, load-oclif) are only called before the command loads.
// tsc's .d.ts stays; the source map is the bundle's, chained to src/.
// test/e2e/command-bundle.e2e.test.ts checks the built files.
import {readFileSync} from 'node:fs'
import {builtinModules} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

export const BUNDLED_COMMANDS = ['relay']

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
