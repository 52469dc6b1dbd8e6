/**
 * `--help` of every command, as users read it (the built CLI): summaries in one style, durations
 * shown as durations, no oclif placeholder text, examples that start with `$`, `--json` in our
 * words, and an exit-codes line; stat and bench list only the codes they can end with.
 */
import {describe, expect, it} from 'vitest'
import {runCli} from '../support/cli.js'

const COMMANDS = ['tail', 'to-file', 'to-nsq', 'stat', 'stat lookupd', 'stat nodes', 'bench pub', 'bench sub', 'bench pubsub']

async function help(command: string): Promise<string> {
  const result = await runCli([...command.split(' '), '--help'], {timeoutMs: 30_000, env: {COLUMNS: '200'}})
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.toString('utf8')
}

describe('nsq --help', () => {
  it('lists every command and topic with a capitalised summary', async () => {
    const text = await help('')
    for (const id of ['tail', 'to-file', 'to-nsq', 'stat', 'bench']) expect(text).toMatch(new RegExp(`^  ${id} +\\S`, 'm'))
    const summaries = [...text.matchAll(/^ {2}([a-z][\w-]*) {2,}(\S.*)$/gm)].map((m) => [m[1], m[2]] as const)
    expect(summaries.length).toBeGreaterThanOrEqual(7)
    for (const [id, summary] of summaries) expect(summary, `${id}: "${summary}"`).toMatch(/^[A-Z]/)
  })
})

describe.each(COMMANDS)('nsq %s --help', (command) => {
  it('summary capitalised, durations as durations, no placeholders, $ examples, --json in our words, exit codes', async () => {
    const text = await help(command)
    const firstLine = text.split('\n')[0] ?? ''
    expect(firstLine, 'summary').toMatch(/^[A-Z]/)
    expect(text).not.toMatch(/<%|%>/)
    // A <duration> flag's default is a duration (5s, 1m), never a bare millisecond count.
    const durationDefaults = [...text.matchAll(/--[\w-]+=<duration>\s+\[default: ([^\],]+)/g)].map((m) => m[1] as string)
    for (const value of durationDefaults) expect(value, text).toMatch(/^(\d+(ms|s|m|h))+$/)
    expect(text).toContain('\nEXAMPLES\n')
    const examples = text.slice(text.indexOf('\nEXAMPLES\n') + 10).split(/\n(?=[A-Z])/)[0] ?? ''
    // Commands are the lines that start with $ (descriptions are indented 2, their commands 4, a
    // wrapped command continues after a trailing backslash).
    const lines = examples.split('\n')
    const prompts = lines.filter((line) => /^ +\$ \S/.test(line))
    expect(prompts.length, examples).toBeGreaterThan(0)
    lines.forEach((line, i) => {
      const continued = (lines[i - 1] ?? '').endsWith('\\')
      if (/^ {4}\S/.test(line) && !continued) expect(line, 'example command').toMatch(/^ {4}\$ \S/)
    })
    expect(text).not.toContain('Format output as json.')
    expect(text).toMatch(/Exit codes: 0 ok/)
  })
})

describe('duration defaults that used to show milliseconds', () => {
  it.each([
    ['tail', 'drain-timeout', '5s'],
    ['tail', 'topic-refresh', '1m'],
    ['stat', 'interval', '2s'],
    ['stat', 'http-timeout', '5s'],
    ['to-file', 'sync-interval', '30s'],
  ])('%s --%s shows [default: %s]', async (command, flag, shown) => {
    expect(await help(command)).toMatch(new RegExp(`--${flag}=<duration>\\s+\\[default: ${shown}[\\],]`))
  })
})

describe('each command lists only its own exit codes', () => {
  const codes = (text: string): number[] =>
    [...(/Exit codes: (.*?)\.\n\n|Exit codes: (.*)$/s.exec(text.replace(/\n {2}/g, ' '))?.[0] ?? '').matchAll(/(?:^|· |: )(\d+) /g)].map(
      (m) => Number(m[1]),
    )
  it.each([
    ['stat', [0, 1, 2, 69, 99, 130]],
    ['stat lookupd', [0, 1, 2, 69]],
    ['stat nodes', [0, 1, 2, 69]],
    ['bench pub', [0, 1, 2, 69, 99, 130]],
    ['bench sub', [0, 1, 2, 69, 99, 130]],
    ['bench pubsub', [0, 1, 2, 69, 99, 130]],
    ['tail', [0, 1, 2, 69, 130]],
    ['to-file', [0, 1, 2, 69, 130]],
    ['to-nsq', [0, 1, 2, 3, 69, 130]],
  ] as const)('%s: %j', async (command, expected) => {
    expect(codes(await help(command))).toEqual(expected)
  })
})

describe('drop-ins speak in their own terms', () => {
  it.each([
    ['bin/to_nsq.js', 'to_nsq', 'to-nsq', '-nsqd-tcp-address value', '-rate int'],
    ['bin/nsq_tail.js', 'nsq_tail', 'tail', '-n int', '-max-in-flight int'],
    ['bin/nsq_stat.js', 'nsq_stat', 'stat', '-interval duration', '-http-client-request-timeout duration'],
    ['bin/nsq_to_file.js', 'nsq_to_file', 'to-file', '-output-dir string', '-gzip'],
  ])('%s: -help shows its Go-style usage, -version a version line', async (bin, name, command, ...flags) => {
    for (const helpFlag of ['-help', '--help', '-h']) {
      const result = await runCli([helpFlag], {bin, timeoutMs: 30_000})
      expect(result.code, result.stderr).toBe(0)
      const text = result.stdout.toString('utf8')
      expect(text).toContain(`\nUsage of ${name}:\n`)
      for (const flag of flags) expect(text).toMatch(new RegExp(`^  ${flag}\\n    \\t\\S`, 'm'))
      // Not the nsq command's oclif usage, and no --long flags of ours in the flag list.
      expect(text).not.toContain(`$ nsq ${command}`)
      expect(text.slice(text.indexOf('Usage of'))).not.toMatch(/^ {2}--/m)
    }
    const version = await runCli(['-version'], {bin, timeoutMs: 30_000})
    expect(version.code).toBe(0)
    expect(version.stdout.toString('utf8')).toMatch(new RegExp(`^${name} \\(nsq-toolkit\\) v\\d+\\.\\d+\\.\\d+\\n$`))
  })
})
