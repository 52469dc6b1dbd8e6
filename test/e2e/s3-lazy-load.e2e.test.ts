/**
 * The AWS SDK is loaded only when S3 is used: importing the built to-file command and running the
 * flag converter without --s3-bucket loads neither the SDK bundle (dist/tools/s3/aws-sdk.js) nor
 * any SDK package; with a bucket it loads the bundle, and still no SDK package (they are all in
 * the bundle). Module loads are watched with a Node resolve hook in a child process.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-lazy-'))
fs.writeFileSync(
  path.join(dir, 'hooks.mjs'),
  `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (/\\/node_modules\\/@(aws-sdk|smithy|aws)\\/|\\/dist\\/tools\\/s3\\/aws-sdk/.test(result.url)) process.stderr.write('SDK ' + result.url + '\\n')
  return result
}
`,
)
fs.writeFileSync(
  path.join(dir, 'register.mjs'),
  `import {register} from 'node:module'\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)})\n`,
)

afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

function sdkModulesLoadedBy(script: string): string[] {
  const result = spawnSync(
    process.execPath,
    ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, '--input-type=module', '-e', script],
    {
      cwd: path.resolve('.'),
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_ACCESS_KEY_ID: 'k',
        AWS_SECRET_ACCESS_KEY: 's',
        AWS_REGION: 'us-east-1',
      },
      timeout: 30_000,
    },
  )
  if (result.status !== 0) throw new Error(`the script failed (${result.status ?? result.signal}):\n${result.stderr}`)
  return result.stderr.split('\n').filter((line) => line.startsWith('SDK '))
}

const flags = `{'s3-prefix': '', 's3-force-path-style': true, 'keep-local': false, 's3-spool-max': 1e9, 's3-spool-max-files': 100, 's3-concurrency': 1, 's3-part-size': 16777216, 's3-timeout': 1000, 's3-drain-timeout': 1000, 's3-local-time': false}`

describe('lazy loading of the AWS SDK (built CLI)', () => {
  it('loads no SDK module for the to-file command without --s3-bucket', () => {
    const loaded = sdkModulesLoadedBy(`
      await import('./dist/commands/to-file.js')
      const {s3SinkFromFlags} = await import('./dist/cli/s3-flags.js')
      if (await s3SinkFromFlags(${flags}, {outputDir: ${JSON.stringify(dir)}}) !== undefined) throw new Error('a sink without a bucket')
    `)
    expect(loaded).toEqual([])
  })

  it('loads the SDK once --s3-bucket is given', () => {
    const loaded = sdkModulesLoadedBy(`
      const {s3SinkFromFlags} = await import('./dist/cli/s3-flags.js')
      const sink = await s3SinkFromFlags({...${flags}, 's3-bucket': 'b', 's3-endpoint': 'http://127.0.0.1:9'}, {outputDir: ${JSON.stringify(dir)}})
      await sink.close(AbortSignal.abort())
    `)
    expect(loaded).toContain(`SDK ${pathToFileURL(path.resolve('dist/tools/s3/aws-sdk.js')).href}`)
    expect(loaded.filter((line) => line.includes('/node_modules/'))).toEqual([])
  })
})
