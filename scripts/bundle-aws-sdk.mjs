// Build step (after tsc): replaces dist/tools/s3/aws-sdk.js, tsc's plain re-export of the AWS SDK
// values we use (src/tools/s3/aws-sdk.ts), with an esbuild bundle of that same module: minified,
// tree-shaken to those names, ESM for Node 20, from the SDK's ESM builds (dist-es), so that
// `--s3-bucket` loads a few hundred KB of code instead of hundreds of SDK modules (~11 MiB less
// RSS, README "Memory"). What the SDK imports lazily (`import()`: the credential chain's ini /
// SSO / process / web identity / container and instance metadata providers, their STS and SSO
// clients, event streams) goes to chunks in dist/tools/s3/aws-sdk-chunks/, read only when
// reached, as before. The bundle imports Node's modules and its own chunks, nothing else.
// tsc's .d.ts stays; its source map, which would describe the re-export, is removed.
// test/tools/s3/aws-sdk-bundle.test.ts checks the built files.
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {builtinModules} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

const dir = fileURLToPath(new URL('../dist/tools/s3/', import.meta.url))
const file = path.join(dir, 'aws-sdk.js')
const chunks = path.join(dir, 'aws-sdk-chunks')

// tsc's output is a few lines of `export … from '@aws-sdk/…'`; a bundle already there is left as it is.
if (!/^export .* from '@aws-sdk\/client-s3'/m.test(readFileSync(file, 'utf8'))) {
  console.log('dist/tools/s3/aws-sdk.js is already bundled (run tsc first to rebuild it)')
  process.exit(0)
}
rmSync(chunks, {recursive: true, force: true})

const options = {
  entryPoints: {'aws-sdk': file},
  outdir: dir,
  chunkNames: 'aws-sdk-chunks/[name]-[hash]',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  minify: true,
  treeShaking: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The SDK's ESM builds (`module`), so tree-shaking can drop what we do not import.
  mainFields: ['module', 'main'],
  legalComments: 'none',
  metafile: true,
  write: false,
  logLevel: 'warning',
}
let result = await build(options)
// CommonJS parts would call `require` for Node's modules, which ESM does not define: give them one.
const cjs = Object.entries(result.metafile.inputs).filter(([, input]) => input.format === 'cjs')
if (cjs.length > 0) {
  options.banner = {js: `import{createRequire as __nsqCreateRequire}from'node:module';const require=__nsqCreateRequire(import.meta.url);`}
  result = await build(options)
}

// What the files import (esbuild's own list, not a text search): Node's modules and each other.
const outputs = Object.entries(result.metafile.outputs)
const foreign = outputs.flatMap(([, out]) =>
  out.imports.filter((i) => !(i.path.startsWith('node:') || builtinModules.includes(i.path) || i.external !== true)).map((i) => i.path),
)
if (foreign.length > 0) throw new Error(`the AWS SDK bundle still imports packages: ${[...new Set(foreign)].join(', ')}`)

mkdirSync(chunks, {recursive: true})
for (const output of result.outputFiles) writeFileSync(output.path, output.contents)
rmSync(`${file}.map`, {force: true})

const kib = (bytes) => `${Math.round(bytes / 1024)} KiB`
// The files read when the module is imported: the entry and its static imports, transitively.
const eager = new Set([file])
const byName = new Map(outputs.map(([name, out]) => [path.resolve(name), out]))
for (const name of eager)
  for (const i of byName.get(name).imports) if (i.kind === 'import-statement' && i.external !== true) eager.add(path.resolve(i.path))
const bytes = (names) => [...names].reduce((sum, name) => sum + byName.get(name).bytes, 0)
console.log(
  `bundled the AWS SDK (${Object.keys(result.metafile.inputs).length} modules${cjs.length > 0 ? `, ${cjs.length} CommonJS` : ''}) into dist/tools/s3/aws-sdk.js: ` +
    `${kib(bytes(eager))} loaded at import (${eager.size} files), ${kib(bytes(byName.keys()) - bytes(eager))} in lazy chunks`,
)
