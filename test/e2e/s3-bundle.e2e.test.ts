/**
 * The built package's AWS SDK is the esbuild bundle of src/tools/s3/aws-sdk.ts
 * (scripts/bundle-aws-sdk.mjs, run by `npm run build`): dist/tools/s3/aws-sdk.js and its chunks
 * import Node's modules and each other only, export what the source module exports, and work as
 * the SDK does for the paths the env-credential e2e tests do not take: the default credential
 * chain's lazily imported providers (a profile in ~/.aws of a temp HOME; no credentials at all)
 * and a multipart upload (lib-storage). Modules loaded by the CLI are watched with a resolve hook.
 */
import {builtinModules} from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import type {ChildProcess} from 'node:child_process'
import {build} from 'esbuild'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NsqdHttpClient} from '../../src/core/index.js'
import {CLI, collect} from '../support/cli.js'
import {startNsqd, type NsqdProcess} from '../support/nsq.js'
import {spawnTracked, stopChild} from '../support/processes.js'
import {channelCounts} from '../support/read-back.js'
import {startS3Server, type S3Server} from '../support/s3.js'
import {until} from '../support/wait.js'

const BUNDLE = path.resolve('dist/tools/s3/aws-sdk.js')
const CHUNKS = path.resolve('dist/tools/s3/aws-sdk-chunks')
const PROFILE = 'nsq-e2e'

let nsqd: NsqdProcess
let s3: S3Server
const work = fs.mkdtempSync(path.join(os.tmpdir(), 's3-bundle-e2e-'))
const children: ChildProcess[] = []

beforeAll(async () => {
  ;[nsqd, s3] = await Promise.all([startNsqd(), startS3Server()])
  fs.writeFileSync(
    path.join(work, 'hooks.mjs'),
    `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  process.stderr.write('LOADED ' + result.url + '\\n')
  return result
}
`,
  )
  fs.writeFileSync(
    path.join(work, 'register.mjs'),
    `import {register} from 'node:module'\nregister(${JSON.stringify(pathToFileURL(path.join(work, 'hooks.mjs')).href)})\n`,
  )
})

afterAll(async () => {
  for (const child of children.splice(0)) await stopChild(child, 'SIGKILL')
  await Promise.all([nsqd?.stop(), s3?.close()])
  fs.rmSync(work, {recursive: true, force: true})
})

/** A HOME with only ~/.aws (a profile holding the test server's keys and region), or an empty one. */
function home(name: string, withProfile: boolean): string {
  const dir = path.join(work, name)
  fs.mkdirSync(path.join(dir, '.aws'), {recursive: true})
  if (withProfile) {
    fs.writeFileSync(
      path.join(dir, '.aws', 'credentials'),
      `[${PROFILE}]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
    )
    fs.writeFileSync(path.join(dir, '.aws', 'config'), `[profile ${PROFILE}]\nregion = ${s3.region}\n`)
  }
  return dir
}

/** The environment without any AWS_* variable of the machine or of s3.env(), plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value
  return {...env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra}
}

/** `nsq to-file` on the built CLI with the resolve hook: module URLs it loads are printed as `LOADED <url>` on stderr. */
function toFile(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawnTracked(process.execPath, ['--import', pathToFileURL(path.join(work, 'register.mjs')).href, CLI, 'to-file', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  })
  children.push(child)
  return child
}

const loaded = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length))
const withoutLoaded = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((line) => !line.startsWith('LOADED '))
    .join('\n')

interface BundleGraph {
  /** The files esbuild read following the bundle's imports (static and import()), absolute. */
  files: string[]
  /** Imports of anything outside them (packages stay external). */
  external: string[]
  /** The files read when the bundle is imported: it and its static imports, transitively. */
  eager: Set<string>
}

let graph: Promise<BundleGraph> | undefined

/** The built bundle's import graph, as esbuild parses it. */
function bundleGraph(): Promise<BundleGraph> {
  graph ??= build({
    entryPoints: [BUNDLE],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outdir: path.join(work, 'esbuild-out'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  }).then(({metafile}) => {
    const inputs = new Map(Object.entries(metafile.inputs).map(([name, input]) => [path.resolve(name), input]))
    const external = Object.values(metafile.outputs).flatMap((out) => out.imports.filter((i) => i.external).map((i) => i.path))
    const eager = new Set([BUNDLE])
    for (const file of eager)
      for (const i of inputs.get(file)?.imports ?? [])
        if (i.kind === 'import-statement' && i.external !== true) eager.add(path.resolve(i.path))
    return {files: [...inputs.keys()], external, eager}
  })
  return graph
}

/** No module of an SDK package was loaded (they are all in the bundle); the bundle was, and `lazy` says whether one of its lazy chunks was too. */
async function expectBundleOnly(urls: string[], lazy: boolean): Promise<void> {
  expect(urls.filter((url) => /\/node_modules\/@(aws-sdk|smithy|aws)\//.test(url))).toEqual([])
  expect(urls).toContain(pathToFileURL(BUNDLE).href)
  const {eager} = await bundleGraph()
  const lazyChunks = urls.filter((url) => url.startsWith(`${pathToFileURL(CHUNKS).href}/`) && !eager.has(fileURLToPath(url)))
  expect(lazyChunks.length > 0, `lazy chunks loaded: ${lazyChunks.join(', ')}`).toBe(lazy)
}

describe('the bundled AWS SDK (built CLI)', () => {
  it('is an esbuild bundle that imports only Node modules and its own chunks', async () => {
    const text = fs.readFileSync(BUNDLE, 'utf8')
    // Not tsc's re-export of the packages (a few hundred bytes): the SDK's code itself.
    expect(text.length).toBeGreaterThan(100_000)
    expect(fs.existsSync(`${BUNDLE}.map`)).toBe(false)
    expect(fs.existsSync(BUNDLE.replace(/\.js$/, '.d.ts'))).toBe(true)
    // esbuild parses the built files and follows their imports; packages stay external.
    const {files, external, eager} = await bundleGraph()
    expect(external.filter((p) => !p.startsWith('node:') && !builtinModules.includes(p))).toEqual([])
    expect(files.filter((file) => file !== BUNDLE && path.dirname(file) !== CHUNKS)).toEqual([])
    // The credential chain's providers beyond the environment are in chunks read only when reached.
    expect(files.length).toBeGreaterThan(eager.size)
  })

  it('exports what src/tools/s3/aws-sdk.ts exports', async () => {
    const built = (await import(pathToFileURL(BUNDLE).href)) as Record<string, unknown>
    const source = (await import('../../src/tools/s3/aws-sdk.js')) as Record<string, unknown>
    expect(Object.keys(built).sort()).toEqual(Object.keys(source).sort())
    for (const name of Object.keys(built)) expect(typeof built[name], name).toBe('function')
  })

  it('takes credentials and region from a profile in ~/.aws (AWS_PROFILE), and uploads a file over the part size as multipart', async () => {
    const topic = `s3_bundle_${process.pid}`
    const dir = path.join(work, 'out')
    fs.mkdirSync(dir)
    // ~6.5 MB: one file rotated at 6 MB (over the 5 MiB part size: multipart) and the rest (one PUT) at exit.
    const http = new NsqdHttpClient(nsqd.httpAddress)
    const bodies = Array.from({length: 6500}, (_, i) => Buffer.from(`${String(i).padStart(6, '0')} ${'b'.repeat(993)}`))
    for (let i = 0; i < bodies.length; i += 500) await http.mpub(topic, bodies.slice(i, i + 500))
    const prefix = `bundle/${topic}/`
    const child = toFile(
      [
        '--topic',
        topic,
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        '--output-dir',
        dir,
        '--rotate-size',
        '6MB',
        '--sync-interval',
        '200ms',
        '--s3-bucket',
        s3.bucket,
        '--s3-endpoint',
        s3.endpoint,
        '--s3-force-path-style',
        '--s3-prefix',
        prefix,
        '--s3-part-size',
        '5MiB',
      ],
      envWith({HOME: home('home-profile', true), AWS_PROFILE: PROFILE}),
    )
    const result = collect(child, {timeoutMs: 120_000})
    await until('the rotated 6 MB file to be uploaded', async () => (await s3.keys(prefix)).length >= 1, {timeoutMs: 60_000, everyMs: 200})
    // Every message FIN'd (written and synced) before the stop: a message still on its way when
    // SIGTERM comes is REQ'd, rightly, and would be missing from the archive.
    await until(
      'every message to be archived and FIN’d',
      async () => {
        const counts = await channelCounts(nsqd.httpAddress, topic, 'nsq_to_file')
        return counts.depth === 0 && counts.inFlight === 0
      },
      {timeoutMs: 60_000, everyMs: 100},
    )
    await stopChild(child, 'SIGTERM', 60_000)
    const {code, stderr} = await result
    expect(code, withoutLoaded(stderr)).toBe(0)
    const keys = await s3.keys(prefix)
    expect(keys.length).toBe(2)
    const heads = await Promise.all(keys.map((key) => s3.head(key)))
    const large = heads.find((head) => (head.ContentLength ?? 0) > 5 * 1024 * 1024)
    expect(large, JSON.stringify(heads.map((h) => h.ContentLength))).toBeDefined()
    // A multipart object's ETag is the digest of its parts' digests, followed by -<parts>.
    expect(large?.ETag).toMatch(/-2"?$/)
    const lines = (await Promise.all(keys.map((key) => s3.get(key)))).flatMap((body) => body.toString('utf8').split('\n').slice(0, -1))
    expect(lines.sort()).toEqual(bodies.map((b) => b.toString('utf8')).sort())
    expect(fs.readdirSync(dir).filter((name) => !name.startsWith('.'))).toEqual([])
    // The ini provider (and the profile's region) come from a lazy chunk.
    await expectBundleOnly(loaded(stderr), true)
  }, 180_000)

  it('with credentials in the environment, reads no lazy chunk (a missing bucket: exit 2 after one signed request)', async () => {
    const child = toFile(
      [
        '--topic',
        `s3_bundle_env_${process.pid}`,
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        '--output-dir',
        path.join(work, 'out-env'),
        '--s3-bucket',
        'no-such-bucket',
        '--s3-endpoint',
        s3.endpoint,
        '--s3-force-path-style',
      ],
      envWith({HOME: home('home-env', false), ...s3.env()}),
    )
    const {code, stderr} = await collect(child, {timeoutMs: 60_000})
    expect(withoutLoaded(stderr)).toMatch(/bucket "no-such-bucket" does not exist/)
    expect(code, withoutLoaded(stderr)).toBe(2)
    await expectBundleOnly(loaded(stderr), false)
  }, 90_000)

  it('with no credentials anywhere, goes through the whole default chain and says so (exit 2)', async () => {
    const child = toFile(
      [
        '--topic',
        `s3_bundle_none_${process.pid}`,
        '--nsqd-tcp-address',
        nsqd.tcpAddress,
        '--output-dir',
        path.join(work, 'out-none'),
        '--s3-bucket',
        s3.bucket,
        '--s3-endpoint',
        s3.endpoint,
        '--s3-force-path-style',
        '--s3-region',
        s3.region,
      ],
      // No instance metadata service to wait for on a test machine.
      envWith({HOME: home('home-empty', false), AWS_EC2_METADATA_DISABLED: 'true'}),
    )
    const {code, stderr} = await collect(child, {timeoutMs: 60_000})
    expect(withoutLoaded(stderr)).toMatch(/no AWS credentials found/)
    expect(code, withoutLoaded(stderr)).toBe(2)
    await expectBundleOnly(loaded(stderr), true)
  }, 90_000)
})
