/**
 * The start-up fast paths (src/cli/fast-start.ts) print exactly what oclif prints, and are taken
 * (oclif is not loaded) only when they can be: `nsq --version`, each drop-in's `-version`, and
 * `nsq <command> --help` at oclif's default 80 columns. Each answer is compared with oclif's own
 * for the same argv and width (NSQ_NO_FAST_START=1 turns the fast paths off).
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import type {RenderedHelp} from '../../src/cli/fast-start.js'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-fast-start-'))
afterAll(() => fs.rmSync(work, {recursive: true, force: true}))

// Preloaded into the CLI: on exit, says on stderr whether any @oclif/core module was loaded.
const probe = path.join(work, 'oclif-probe.cjs')
fs.writeFileSync(
  probe,
  `const Module = require('node:module')
let loaded = false
const resolve = Module._resolveFilename
Module._resolveFilename = function (...args) {
  const file = resolve.apply(this, args)
  if (file.includes('@oclif/core')) loaded = true
  return file
}
process.on('exit', () => process.stderr.write('oclif-loaded=' + loaded + '\\n'))
`,
)

const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as {version: string}).version
const DROP_INS = ['nsq_tail', 'to_nsq', 'nsq_to_file', 'nsq_stat', 'nsq_to_nsq', 'nsq_to_http']

interface Run {
  stdout: string
  oclifLoaded: boolean
}

/** Runs a bin (stdout a pipe) and reports what it printed and whether oclif was loaded. */
function run(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  const baseEnv = {...process.env}
  delete baseEnv.OCLIF_COLUMNS
  const result = spawnSync(process.execPath, ['-r', probe, path.resolve(bin), ...args], {
    env: {...baseEnv, NO_COLOR: '1', ...env},
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  })
  if (result.status !== 0) throw new Error(`${bin} ${args.join(' ')}: exit ${result.status}\n${result.stderr}`)
  const match = /oclif-loaded=(true|false)/.exec(result.stderr)
  if (match === null) throw new Error(`no probe line on stderr: ${result.stderr}`)
  return {stdout: result.stdout, oclifLoaded: match[1] === 'true'}
}

const OCLIF = {NSQ_NO_FAST_START: '1'}
const arch = os.arch() === 'ia32' ? 'x86' : os.arch()
const expectedVersion = `nsq-toolkit/${version} ${os.platform()}-${arch} node-${process.version}\n`

describe('start-up fast paths', () => {
  it('nsq --version prints the package version as oclif does, without loading oclif', () => {
    const fast = run('bin/run.js', ['--version'])
    const oclif = run('bin/run.js', ['--version'], OCLIF)
    expect(fast.stdout).toBe(expectedVersion)
    expect(fast.stdout).toBe(oclif.stdout)
    expect(fast.oclifLoaded).toBe(false)
    expect(oclif.oclifLoaded).toBe(true)
  }, 60_000)

  it.each(DROP_INS)(
    '%s -version (and --version) prints its own version line, as the official apps do, without loading oclif',
    (name) => {
      const bin = `bin/${name}.js`
      const expected = `${name} (nsq-toolkit) v${version}\n`
      const fast = run(bin, ['-version'])
      expect(fast.stdout).toBe(expected)
      expect(fast.oclifLoaded).toBe(false)
      expect(run(bin, ['--version']).stdout).toBe(expected)
      expect(run(bin, ['-version'], OCLIF).stdout).toBe(expected)
    },
    60_000,
  )

  it('nsq <command> --help / -h from the pre-rendered text equals oclif help at 80 columns, for every command and topic', () => {
    const rendered = JSON.parse(fs.readFileSync('dist/help.json', 'utf8')) as RenderedHelp
    expect(rendered.version).toBe(version)
    expect(rendered.width).toBe(80)
    const ids = Object.keys(rendered.texts)
    for (const id of ['', 'tail', 'to-file', 'bench', 'bench:pub', 'stat', 'autocomplete']) expect(ids).toContain(id)
    for (const id of ids) {
      const args = [...(id === '' ? [] : id.split(':')), '--help']
      const fast = run('bin/run.js', args)
      expect(fast.oclifLoaded, id).toBe(false)
      expect(fast.stdout, id).toBe(run('bin/run.js', args, OCLIF).stdout)
    }
    const bare = run('bin/run.js', [])
    expect(bare.oclifLoaded).toBe(false)
    expect(bare.stdout).toBe(run('bin/run.js', [], OCLIF).stdout)
    expect(bare.stdout).toBe(rendered.texts[''])
    const short = run('bin/run.js', ['tail', '-h'])
    expect(short.oclifLoaded).toBe(false)
    expect(short.stdout).toBe(rendered.texts.tail)
  }, 300_000)

  it('at another width oclif renders the help (the 80-column text is not used)', () => {
    const wide = run('bin/run.js', ['tail', '--help'], {OCLIF_COLUMNS: '120'})
    expect(wide.oclifLoaded).toBe(true)
    expect(wide.stdout).toBe(run('bin/run.js', ['tail', '--help'], {...OCLIF, OCLIF_COLUMNS: '120'}).stdout)
    expect(wide.stdout).not.toBe(run('bin/run.js', ['tail', '--help']).stdout)
  }, 60_000)

  it('anything else is oclif: a help flag after other arguments, a user theme file', () => {
    const withArgs = run('bin/run.js', ['tail', 'some-topic', '--help'])
    expect(withArgs.oclifLoaded).toBe(true)
    expect(withArgs.stdout).toContain('USAGE')
    const config = path.join(work, 'config')
    fs.mkdirSync(path.join(config, 'nsq-toolkit'), {recursive: true})
    fs.writeFileSync(path.join(config, 'nsq-toolkit', 'theme.json'), '{}')
    expect(run('bin/run.js', ['tail', '--help'], {XDG_CONFIG_HOME: config}).oclifLoaded).toBe(true)
  }, 60_000)
})

describe('loading oclif', () => {
  // Preloaded into the CLI: on exit, whether semver was loaded and what oclif's engine-check
  // switch is by then (it must not be left set for child processes).
  const semverProbe = path.join(work, 'semver-probe.cjs')
  fs.writeFileSync(
    semverProbe,
    `process.on('exit', () => {
  const semver = Object.keys(require.cache).some((file) => file.includes('/node_modules/semver/'))
  const oclif = Object.keys(require.cache).some((file) => file.includes('/node_modules/@oclif/core/'))
  process.stderr.write('semver=' + semver + ' oclif=' + oclif + ' switch=' + (process.env.OCLIF_DISABLE_ENGINE_WARNING ?? 'unset') + '\\n')
})
`,
  )

  function probeRun(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
    const baseEnv = {...process.env}
    delete baseEnv.OCLIF_DISABLE_ENGINE_WARNING
    const result = spawnSync(process.execPath, ['-r', semverProbe, path.resolve(bin), ...args], {
      env: {...baseEnv, NO_COLOR: '1', ...OCLIF, ...env},
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    })
    expect(result.status, result.stderr).toBe(0)
    return /semver=\S+ oclif=\S+ switch=\S+/.exec(result.stderr)?.[0] ?? `no probe line: ${result.stderr}`
  }

  it('skips oclif’s semver engine check in nsq and the drop-ins, and leaves no switch set behind', () => {
    expect(probeRun('bin/run.js', ['stat', '--help'])).toBe('semver=false oclif=true switch=unset')
    expect(probeRun('bin/nsq_to_nsq.js', ['-help'])).toBe('semver=false oclif=true switch=unset')
  })

  it('keeps a switch the user set', () => {
    expect(probeRun('bin/run.js', ['stat', '--help'], {OCLIF_DISABLE_ENGINE_WARNING: 'yes'})).toBe('semver=false oclif=true switch=yes')
  })
})
