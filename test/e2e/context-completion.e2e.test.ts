/**
 * Shell completion of context names (issue 17): @oclif/plugin-autocomplete v3 completes flag
 * values only from a flag's static `options`, so `nsq context completion bash` wraps its
 * function. Checked in a real bash with the script the built CLI prints.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../support/cli.js'

let xdg: string
let script: string

beforeAll(async () => {
  xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-completion-'))
  for (const name of ['alpha', 'beta', 'alps']) {
    const added = await runCli(['context', 'add', name, '--nsqd-tcp-address', '127.0.0.1:4150'], {env: {XDG_CONFIG_HOME: xdg}})
    expect(added.code, added.stderr).toBe(0)
  }
  const printed = await runCli(['context', 'completion', 'bash'])
  expect(printed.code, printed.stderr).toBe(0)
  script = printed.stdout.toString()
})

/** What bash completes for these words (the last one being completed); oclif's function stubbed to say "oclif". */
function complete(words: string[], env: NodeJS.ProcessEnv = {XDG_CONFIG_HOME: xdg}): string[] {
  const program = `_nsq_autocomplete() { COMPREPLY=(oclif); }
${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${words.length - 1}
_nsq_with_contexts
printf '%s\\n' "\${COMPREPLY[@]}"`
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', program], {env: {PATH: process.env.PATH, HOME: os.homedir(), ...env}})
  return out
    .toString()
    .split('\n')
    .filter((l) => l !== '')
}

describe('nsq context completion bash', () => {
  it('registers itself for nsq', () => {
    expect(script).toMatch(/^complete -o default -F _nsq_with_contexts nsq$/m)
  })

  it('--context <Tab> offers every context, a prefix narrows it, --context=<Tab> too', () => {
    expect(complete(['nsq', 'tail', '--context', ''])).toEqual(['alpha', 'alps', 'beta'])
    expect(complete(['nsq', 'stat', '--context', 'al'])).toEqual(['alpha', 'alps'])
    // bash splits --context=b at "=" (COMP_WORDBREAKS).
    expect(complete(['nsq', 'tail', '--context', '=', 'b'])).toEqual(['beta'])
  })

  it("nsq context use|show|rm <Tab> offers the names; other words go to oclif's completion", () => {
    for (const sub of ['use', 'show', 'rm']) expect(complete(['nsq', 'context', sub, ''])).toEqual(['alpha', 'alps', 'beta'])
    expect(complete(['nsq', 'tail', '--qu'])).toEqual(['oclif'])
    expect(complete(['nsq', 'context', 'add', ''])).toEqual(['oclif'])
  })

  it('reads XDG_CONFIG_HOME (absolute only, as the CLI does), else ~/.config; no contexts → nothing', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-home-'))
    fs.mkdirSync(path.join(home, '.config', 'nsq-toolkit', 'contexts'), {recursive: true})
    fs.writeFileSync(path.join(home, '.config', 'nsq-toolkit', 'contexts', 'homed.json'), '{}', {mode: 0o600})
    const program = (xdgValue: string): string[] =>
      execFileSync(
        'bash',
        [
          '--norc',
          '--noprofile',
          '-c',
          `${script}\nCOMP_WORDS=(nsq tail --context '')\nCOMP_CWORD=3\n_nsq_with_contexts\nprintf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        {
          env: {PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: xdgValue},
        },
      )
        .toString()
        .split('\n')
        .filter((l) => l !== '')
    expect(program('relative/path')).toEqual(['homed'])
    expect(program(fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-empty-')))).toEqual([])
  })
})
