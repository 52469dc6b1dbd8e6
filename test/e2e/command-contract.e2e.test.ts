/**
 * The command contract, as a user meets it (the built CLI and the drop-ins, spawned): every usage
 * error of every command exits 2 with one short message (a mistyped flag or command names the
 * nearest one, on a terminal or not), and what issue 18 found: an HTTP flag given nsqd's TCP port
 * gets a hint instead of a raw parser error, `stat lookupd` prints no MaxListenersExceededWarning,
 * and `bench pub` against nothing does not talk about deleting a topic it never made.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli, type CliResult} from '../support/cli.js'
import {startLookupd, startNsqd, type LookupdProcess, type NsqdProcess} from '../support/nsq.js'

/** oclif's error box, flattened to one line of text. */
const flat = (text: string): string =>
  text
    .replace(/\s*›\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()

function expectOneShortUsageError(result: CliResult, message: RegExp): void {
  expect(result.code, result.stderr).toBe(2)
  expect(flat(result.stderr)).toMatch(message)
  // One message, not the command's whole help.
  expect(result.stderr).not.toMatch(/^USAGE$|^FLAGS$|See more help/m)
  expect(result.stderr.trim().split('\n').length, result.stderr).toBeLessThanOrEqual(3)
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  expect(result.stdout.length).toBe(0)
}

// [what, bin (undefined: bin/run.js), argv, expected message]. No nsqd is needed: each is refused
// before anything connects (127.0.0.1:1 would be refused if it were dialled: exit 69, not 2).
const NOWHERE = '127.0.0.1:1'
const cases: [string, string | undefined, string[], RegExp][] = [
  [
    'tail: flag typo',
    undefined,
    ['tail', 'x', '--coutn', '3', '--nsqd-tcp-address', NOWHERE],
    /unknown flag --coutn: did you mean --count\?/,
  ],
  [
    'tail: option value',
    undefined,
    ['tail', 'x', '--compression', 'zip', '--nsqd-tcp-address', NOWHERE],
    /Expected --compression=zip to be one of/,
  ],
  [
    'tail: duration',
    undefined,
    ['tail', 'x', '--drain-timeout', 'soon', '--nsqd-tcp-address', NOWHERE],
    /--drain-timeout: invalid duration "soon"/,
  ],
  [
    'tail: unreadable --tls-ca',
    undefined,
    ['tail', 'x', '--tls-ca', '/nonexistent/ca.pem', '--nsqd-tcp-address', NOWHERE],
    /--tls-ca \/nonexistent\/ca\.pem: ENOENT/,
  ],
  [
    'to-file: flag typo',
    undefined,
    ['to-file', '--topic', 'x', '--output-dri', '/tmp', '--nsqd-tcp-address', NOWHERE],
    /unknown flag --output-dri: did you mean --output-dir\?/,
  ],
  [
    'to-file: size',
    undefined,
    ['to-file', '--topic', 'x', '--rotate-size', 'big', '--nsqd-tcp-address', NOWHERE],
    /--rotate-size: invalid size "big"/,
  ],
  [
    'to-nsq: option value',
    undefined,
    ['to-nsq', 'x', '--mode', 'fan', '--nsqd-tcp-address', NOWHERE],
    /Expected --mode=fan to be one of: round-robin, fanout/,
  ],
  [
    'stat: --address-map',
    undefined,
    ['stat', '--once', '--address-map', 'nope', '--nsqd-http-address', NOWHERE],
    /--address-map "nope": no "="; expected HOST\[:PORT\]=ADDR\[:PORT\]/,
  ],
  ['stat: option value', undefined, ['stat', '--output', 'xml', '--nsqd-http-address', NOWHERE], /Expected --output=xml to be one of/],
  ['stat: duration', undefined, ['stat', '--interval', 'soon', '--nsqd-http-address', NOWHERE], /--interval: invalid duration "soon"/],
  ['stat: no address', undefined, ['stat', '--once'], /give --lookupd-http-address/],
  [
    'stat lookupd: flag typo',
    undefined,
    ['stat', 'lookupd', '--lookupd-http-adress', NOWHERE],
    /unknown flag --lookupd-http-adress: did you mean --lookupd-http-address\? \(nsq stat lookupd --help/,
  ],
  [
    'stat nodes: duration',
    undefined,
    ['stat', 'nodes', '--http-timeout', 'x', '--nsqd-http-address', NOWHERE],
    /--http-timeout: invalid duration "x"/,
  ],
  ['bench pub: rate', undefined, ['bench', 'pub', '--rate', 'fast', '--nsqd-tcp-address', NOWHERE], /--rate: invalid rate "fast"/],
  [
    'bench sub: option value',
    undefined,
    ['bench', 'sub', '--compression', 'zip', '--nsqd-tcp-address', NOWHERE],
    /Expected --compression=zip/,
  ],
  [
    'bench pubsub: exclusive flags',
    undefined,
    ['bench', 'pubsub', '-n', '5', '-d', '5s', '--nsqd-tcp-address', NOWHERE],
    /cannot also be provided/,
  ],
  ['unknown command', undefined, ['tial', 'x'], /"tial" is not an nsq command: did you mean "nsq tail"\?/],
  ['help of an unknown command', undefined, ['help', 'tial'], /"tial" is not an nsq command: did you mean "nsq tail"\?/],
  [
    'help of an unknown command in a topic',
    undefined,
    ['help', 'bench', 'pubb'],
    /"bench pubb" is not an nsq command: did you mean "nsq bench pub"\?/,
  ],
  ['unknown command in a topic', undefined, ['bench', 'pubb'], /"bench pubb" is not an nsq command: did you mean "nsq bench pub"\?/],
  [
    'nsq_tail: unknown flag',
    'bin/nsq_tail.js',
    ['-topic=x', '-nsqd-tcp-address', NOWHERE, '-bogus'],
    /unknown flag -bogus \(nsq_tail -help lists the flags\)/,
  ],
  [
    'nsq_tail: integer',
    'bin/nsq_tail.js',
    ['-topic=x', '-nsqd-tcp-address', NOWHERE, '-max-in-flight=many'],
    /^Error: -max-in-flight: Expected an integer but received: many$/,
  ],
  [
    'to_nsq: option value',
    'bin/to_nsq.js',
    ['-topic=x', '-nsqd-tcp-address', NOWHERE, '-rate=fast'],
    /(^|\s)-rate: Expected an integer but received: fast/,
  ],
  [
    'nsq_to_file: duration',
    'bin/nsq_to_file.js',
    ['-topic=x', '-nsqd-tcp-address', NOWHERE, '-sync-interval=soon'],
    /(^|\s)-sync-interval: invalid duration "soon"/,
  ],
  ['nsq_stat: duration', 'bin/nsq_stat.js', ['-nsqd-http-address', NOWHERE, '-interval=soon'], /(^|\s)-interval: invalid duration "soon"/],
  // A drop-in's hints speak its own flags and name (not `nsq stat --lookupd-http-address`).
  ['nsq_stat: no address', 'bin/nsq_stat.js', ['-topic=x'], /Try this: nsq_stat -lookupd-http-address 127\.0\.0\.1:4161/],
]

describe('usage errors: exit 2 and one short message, for every command and drop-in', () => {
  it.each(cases)('%s', async (_name, bin, argv, message) => {
    const result = await runCli(argv, {input: '', timeoutMs: 30_000, ...(bin === undefined ? {} : {bin})})
    expectOneShortUsageError(result, message)
  })
})

describe('issue 18 against real nsqd / nsqlookupd', () => {
  let lookupd: LookupdProcess
  let second: LookupdProcess
  let nsqd: NsqdProcess

  beforeAll(async () => {
    ;[lookupd, second] = await Promise.all([startLookupd(), startLookupd()])
    nsqd = await startNsqd({lookupd: [lookupd, second]})
    // Enough topics for many lookups at once across both lookupd.
    await Promise.all(
      Array.from({length: 12}, (_, i) =>
        fetch(`http://${nsqd.httpAddress}/topic/create?topic=contract_${process.pid}_${i}`, {method: 'POST'}),
      ),
    )
  })
  afterAll(async () => {
    await Promise.all([nsqd?.stop(), lookupd?.stop(), second?.stop()])
  })

  it("stat --nsqd-http-address with nsqd's TCP port: exit 69 with a hint, no raw parser error", async () => {
    const result = await runCli(['stat', '--once', '--nsqd-http-address', nsqd.tcpAddress], {timeoutMs: 30_000})
    expect(result.code).toBe(69)
    const text = flat(result.stderr)
    expect(text).not.toMatch(/Parse Error|Expected HTTP\//)
    expect(text).toContain(`nsqd ${nsqd.tcpAddress} is DOWN: the answer is not HTTP: this looks like a TCP port`)
    expect(text).toMatch(/not the HTTP port \(4151, 4161\)/)
  })

  it("stat --lookupd-http-address with lookupd's TCP port: the same hint", async () => {
    const result = await runCli(['stat', '--once', '--lookupd-http-address', lookupd.tcpAddress], {timeoutMs: 30_000})
    expect(result.code).toBe(69)
    const text = flat(result.stderr)
    expect(text).not.toMatch(/Parse Error|Expected HTTP\//)
    expect(text).toMatch(/lookupd .* is DOWN: the answer is not HTTP: this looks like a TCP port .*not the HTTP port/)
  })

  it('stat lookupd with two lookupd: the report, and no MaxListenersExceededWarning', async () => {
    const result = await runCli(
      ['stat', 'lookupd', '--lookupd-http-address', lookupd.httpAddress, '--lookupd-http-address', second.httpAddress],
      {
        timeoutMs: 30_000,
      },
    )
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.toString()).toContain(`contract_${process.pid}_11`)
    expect(result.stderr).not.toMatch(/MaxListenersExceeded|memory leak/)
  })

  it('bench pub against a closed port: exit 69, and no word about deleting a topic it never made', async () => {
    const result = await runCli(['bench', 'pub', '-n', '5', '--nsqd-tcp-address', NOWHERE], {timeoutMs: 30_000})
    expect(result.code).toBe(69)
    expect(flat(result.stderr)).toMatch(/connection refused/)
    expect(result.stderr).not.toMatch(/delete/i)
  })

  it('bench pub that ran still deletes its auto-named topic', async () => {
    const result = await runCli(
      ['bench', 'pub', '-n', '20', '--nsqd-tcp-address', nsqd.tcpAddress, '--nsqd-http-address', nsqd.httpAddress],
      {
        timeoutMs: 60_000,
      },
    )
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/deleted topic nsq_bench_/)
  })
})
