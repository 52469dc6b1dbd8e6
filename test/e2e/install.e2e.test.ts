/**
 * The package installs as users install it (`npm pack` + `npm install -g`) and exposes `nsq` and
 * the drop-in names. Uses the dist/ that `npm test` built (pack runs with --ignore-scripts so it
 * does not rebuild dist/ under the other tests) and the npm registry for dependencies.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-install-'))
afterAll(() => fs.rmSync(work, {recursive: true, force: true}))

describe('npm pack + npm install -g', () => {
  it('installs nsq and the drop-ins, which run', () => {
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], {encoding: 'utf8'})
      .trim()
      .split('\n')
      .pop() as string
    const prefix = path.join(work, 'prefix')
    execFileSync('npm', ['install', '-g', '--no-audit', '--no-fund', '--prefix', prefix, path.join(work, tarball)], {
      stdio: 'pipe',
      timeout: 240_000,
    })
    const bin = (name: string): string => path.join(prefix, 'bin', name)
    for (const name of ['nsq', 'nsq_tail', 'to_nsq', 'nsq_to_file', 'nsq_stat']) expect(fs.existsSync(bin(name)), name).toBe(true)
    const version = JSON.parse(fs.readFileSync('package.json', 'utf8')).version as string
    expect(execFileSync(bin('nsq'), ['--version'], {encoding: 'utf8'})).toContain(`nsq-toolkit/${version}`)
    expect(execFileSync(bin('nsq_tail'), ['-version'], {encoding: 'utf8'})).toBe(`nsq_tail (nsq-toolkit) v${version}\n`)
    const help = execFileSync(bin('nsq'), ['--help'], {encoding: 'utf8'})
    for (const command of ['tail', 'to-nsq', 'to-file', 'stat', 'bench']) expect(help).toContain(command)
    // The installed package carries the pre-rendered help (dist/help.json): the same text as oclif's.
    const tailHelp = execFileSync(bin('nsq'), ['tail', '--help'], {encoding: 'utf8'})
    expect(tailHelp).toContain('USAGE')
    expect(tailHelp).toBe(execFileSync(bin('nsq'), ['tail', '--help'], {encoding: 'utf8', env: {...process.env, NSQ_NO_FAST_START: '1'}}))
    for (const name of ['nsq_to_nsq', 'nsq_to_http'])
      expect(execFileSync(bin(name), ['-version'], {encoding: 'utf8'})).toBe(`${name} (nsq-toolkit) v${version}\n`)
    // A Go-style flag through the drop-in reaches our command's validation (exit 2, our message).
    let failure: {status: number | null; stderr: string} | undefined
    try {
      execFileSync(bin('to_nsq'), ['-topic=bad topic!', '-nsqd-tcp-address=127.0.0.1:1'], {encoding: 'utf8', stdio: 'pipe', input: ''})
    } catch (error) {
      failure = error as {status: number | null; stderr: string}
    }
    expect(failure?.status).toBe(2)
    expect(failure?.stderr).toMatch(/topic/i)
    // The relay's direct start (dist/direct/relay.cjs and its code cache) from the installed
    // package: a misspelled flag is our usage error, a refused source exit 69, as `nsq relay`
    // and as the drop-in.
    const exitOf = (name: string, args: string[]): {status: number | null; stderr: string} => {
      try {
        execFileSync(bin(name), args, {encoding: 'utf8', stdio: 'pipe'})
        return {status: 0, stderr: ''}
      } catch (error) {
        return error as {status: number | null; stderr: string}
      }
    }
    const typo = exitOf('nsq', ['relay', '--topic', 't', '--nsqd-tcp-adress', '127.0.0.1:1'])
    expect(typo.status).toBe(2)
    expect(typo.stderr).toContain('nsq relay --help')
    const refused = ['--nsqd-tcp-address', '127.0.0.1:1', '--destination-nsqd-tcp-address', '127.0.0.1:1']
    for (const [name, args] of [
      ['nsq', ['relay', '--topic', 't', ...refused]],
      ['nsq_to_nsq', ['-topic', 't', ...refused.map((arg) => arg.replace(/^--/, '-'))]],
    ] as const) {
      const run = exitOf(name, [...args])
      expect(run.status, run.stderr).toBe(69)
      expect(run.stderr).toContain('connection refused')
    }
  }, 300_000)
})
