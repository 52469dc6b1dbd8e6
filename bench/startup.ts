/**
 * npm run bench:startup — start-up time of the built CLI (bin/*.js, as `node <bin>`), against a
 * bare `node -e ''` in the same run: each case once to warm the file cache, then ROUNDS rounds
 * (the order rotates every round), time from spawn to exit, medians and ratios to `node -e ''`.
 *
 * Cases: `nsq --version`, `nsq tail --help` (stdout a pipe, so oclif's 80 columns), each
 * drop-in's `-version`, and `nsq tail -n 1` against a running nsqd with one message waiting on
 * its channel (the time to the first real work: connect, receive, print, FIN, exit). The fast
 * paths (src/cli/fast-start.ts) are measured next to oclif's own path (NSQ_NO_FAST_START=1),
 * i.e. before / after in one run; so is `nsq relay` to a refused connection (its direct start,
 * with and without its code cache, and through oclif).
 *
 * INSTALLED=1 also packs the package (`npm pack`), installs it into a temp prefix
 * (`npm install -g --prefix`, needs the registry) and measures the installed `nsq` the same way.
 * Env: ROUNDS (9).
 */
import {execFileSync, spawn} from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {performance} from 'node:perf_hooks'
import {startNsqd, type NsqdProcess} from '../test/support/nsq.js'
import {ensureNsqBinaries, fmt, median} from './lib.js'

const ROUNDS = Number(process.env.ROUNDS ?? 9)
const DROP_INS = ['nsq_tail', 'to_nsq', 'nsq_to_file', 'nsq_stat', 'nsq_to_nsq', 'nsq_to_http']
const TOPIC = 'startup_bench'
const CHANNEL = 'startup_bench'

interface Case {
  name: string
  args: string[]
  env?: NodeJS.ProcessEnv | undefined
  /** Run before each timed run (not timed), e.g. publish the message `tail -n 1` reads. */
  before?: () => Promise<void>
  /** What stdout must be, checked on every run. */
  check?: (stdout: string) => boolean
  /** The exit code expected (0 unless said). */
  exitCode?: number
}

function timeOnce(c: Case): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, c.args, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...c.env}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      const elapsed = performance.now() - started
      if (code !== (c.exitCode ?? 0)) reject(new Error(`${c.name}: exit ${code}\n${stderr}`))
      else if (c.check !== undefined && !c.check(stdout))
        reject(new Error(`${c.name}: unexpected output ${JSON.stringify(stdout.slice(0, 200))}`))
      else resolve(elapsed)
    })
  })
}

async function publish(nsqd: NsqdProcess, body: string): Promise<void> {
  const response = await fetch(`http://${nsqd.httpAddress}/pub?topic=${TOPIC}`, {method: 'POST', body})
  if (!response.ok) throw new Error(`pub: HTTP ${response.status}`)
}

/** `127.0.0.1:<port>` of a port just closed: connecting is refused. */
function closedPort(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(`127.0.0.1:${port}`))
    })
  })
}

function packAndInstall(work: string): string {
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .trim()
    .split('\n')
    .pop() as string
  const prefix = path.join(work, 'prefix')
  execFileSync('npm', ['install', '-g', '--no-audit', '--no-fund', '--prefix', prefix, path.join(work, tarball)], {stdio: 'pipe'})
  return path.join(prefix, 'lib', 'node_modules', 'nsq-toolkit', 'bin')
}

async function main(): Promise<void> {
  ensureNsqBinaries()
  if (!fs.existsSync('dist/help.json')) throw new Error('no dist/help.json: run `npm run build` first')
  const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as {version: string}).version
  const isVersion = (stdout: string): boolean => stdout.startsWith(`nsq-toolkit/${version} `)
  // A drop-in's -version is the official apps' form: `nsq_tail (nsq-toolkit) v0.1.0`.
  const isDropInVersion = (stdout: string): boolean => stdout.endsWith(` (nsq-toolkit) v${version}\n`)
  const isTailHelp = (stdout: string): boolean => stdout.includes('USAGE\n  $ nsq tail')
  const oclif = {NSQ_NO_FAST_START: '1'}
  const loadBefore = os.loadavg()
  const nsqd = await startNsqd()
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-startup-'))
  try {
    await fetch(`http://${nsqd.httpAddress}/channel/create?topic=${TOPIC}&channel=${CHANNEL}`, {method: 'POST'})
    const tail = (bin: string, env?: NodeJS.ProcessEnv): Case => ({
      name: '',
      args: [bin, 'tail', TOPIC, '-n', '1', '--channel', CHANNEL, '--nsqd-tcp-address', nsqd.tcpAddress],
      env,
      before: () => publish(nsqd, 'startup'),
      check: (stdout) => stdout === 'startup\n',
    })
    const refused = await closedPort()
    const relayRefused = ['bin/run.js', 'relay', '--topic', TOPIC, '--nsqd-tcp-address', refused, '--destination-nsqd-tcp-address', refused]
    const cases: Case[] = [
      {name: "node -e ''", args: ['-e', '']},
      {name: 'nsq --version', args: ['bin/run.js', '--version'], check: isVersion},
      {name: 'nsq --version (oclif)', args: ['bin/run.js', '--version'], env: oclif, check: isVersion},
      {name: 'nsq tail --help', args: ['bin/run.js', 'tail', '--help'], check: isTailHelp},
      {name: 'nsq tail --help (oclif)', args: ['bin/run.js', 'tail', '--help'], env: oclif, check: isTailHelp},
      ...DROP_INS.map((name) => ({name: `${name} -version`, args: [`bin/${name}.js`, '-version'], check: isDropInVersion})),
      {...tail('bin/run.js'), name: 'nsq tail -n 1 (1 msg waiting)'},
      // The relay's direct start (src/cli/direct-start.ts) to its first connection, refused
      // (exit 69): with its code cache, without it, and through oclif.
      {name: 'nsq relay (refused)', args: relayRefused, exitCode: 69},
      {name: 'nsq relay (refused, no code cache)', args: relayRefused, env: {NSQ_NO_CODE_CACHE: '1'}, exitCode: 69},
      {name: 'nsq relay (refused, oclif)', args: relayRefused, env: oclif, exitCode: 69},
    ]
    if (process.env.INSTALLED === '1') {
      process.stderr.write('packing and installing into a temp prefix…\n')
      const bin = packAndInstall(work)
      cases.push(
        {name: 'installed nsq --version', args: [path.join(bin, 'run.js'), '--version'], check: isVersion},
        {name: 'installed nsq tail --help', args: [path.join(bin, 'run.js'), 'tail', '--help'], check: isTailHelp},
        {name: 'installed nsq_tail -version', args: [path.join(bin, 'nsq_tail.js'), '-version'], check: isDropInVersion},
        {...tail(path.join(bin, 'run.js')), name: 'installed nsq tail -n 1'},
      )
    }
    const times = new Map<string, number[]>(cases.map((c) => [c.name, []]))
    for (const c of cases) {
      await c.before?.()
      await timeOnce(c)
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < cases.length; i++) {
        const c = cases[(i + round) % cases.length] as Case
        await c.before?.()
        times.get(c.name)?.push(await timeOnce(c))
      }
    }
    const base = median(times.get(cases[0]?.name as string) ?? [])
    const width = Math.max(...cases.map((c) => c.name.length))
    console.log(
      `start-up, median of ${ROUNDS} (after a warm-up), node ${process.version}, load average before ${loadBefore.map((l) => fmt(l, 2)).join(' ')}`,
    )
    for (const c of cases) {
      const m = median(times.get(c.name) ?? [])
      console.log(`  ${c.name.padEnd(width)}  ${fmt(m, 1).padStart(7)} ms  ${fmt(m / base, 2).padStart(5)}× node -e ''`)
    }
    console.log(
      `load average after: ${os
        .loadavg()
        .map((l) => fmt(l, 2))
        .join(' ')}`,
    )
  } finally {
    await nsqd.stop()
    fs.rmSync(work, {recursive: true, force: true})
  }
}

await main()
