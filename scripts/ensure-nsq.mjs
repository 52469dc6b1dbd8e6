#!/usr/bin/env node
// Provides the NSQ v1.3.0 binaries the tests and benchmarks run against, and prints their folder.
//
// Order: $NSQ_BIN_DIR, then PATH (when every binary is there and reports v1.3.0), then the
// git-ignored cache .cache/nsq-1.3.0/bin, else a build with the machine's Go from the Go module
// proxy. `go install github.com/nsqio/nsq/apps/nsqd@v1.3.0` is refused because nsq's go.mod has a
// replace directive, so the build goes through a throw-away wrapper module carrying that replace.
import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const VERSION = 'v1.3.0'
const PACKAGES = {
  nsqd: 'apps/nsqd',
  nsqlookupd: 'apps/nsqlookupd',
  nsqadmin: 'apps/nsqadmin',
  nsq_tail: 'apps/nsq_tail',
  nsq_to_file: 'apps/nsq_to_file',
  to_nsq: 'apps/to_nsq',
  nsq_stat: 'apps/nsq_stat',
  nsq_to_nsq: 'apps/nsq_to_nsq',
  nsq_to_http: 'apps/nsq_to_http',
  bench_writer: 'bench/bench_writer',
  bench_reader: 'bench/bench_reader',
}
const REPLACE = 'github.com/judwhite/go-svc=github.com/mreiferson/go-svc@v1.2.2-0.20210815184239-7a96e00010f6'
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cacheBin = path.join(root, '.cache', `nsq-${VERSION.slice(1)}`, 'bin')

const log = (line) => process.stderr.write(`[ensure-nsq] ${line}\n`)

function complete(dir) {
  return Object.keys(PACKAGES).every((name) => fs.existsSync(path.join(dir, name)))
}

function reportsVersion(file) {
  const result = spawnSync(file, ['--version'], {encoding: 'utf8', timeout: 5000})
  return `${result.stdout}${result.stderr}`.includes(VERSION.slice(1))
}

function fromPath() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && complete(dir) && reportsVersion(path.join(dir, 'nsqd'))) return dir
  }
  return undefined
}

function build() {
  const go = spawnSync('go', ['version'], {encoding: 'utf8'})
  if (go.status !== 0) {
    throw new Error(
      'NSQ v1.3.0 binaries were not found and Go is not installed to build them.\n' +
        'Install Go 1.21 or later (https://go.dev/dl, or `apt-get install golang`), or put nsqd, nsqlookupd, ' +
        'nsqadmin, nsq_tail, nsq_to_file, to_nsq, nsq_stat, nsq_to_nsq, nsq_to_http, bench_writer and bench_reader v1.3.0 on PATH, ' +
        'or point NSQ_BIN_DIR at a folder holding them.',
    )
  }
  log(`building NSQ ${VERSION} with ${go.stdout.trim()} (first run only; about a minute)`)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-build-'))
  const run = (args, extraEnv = {}) =>
    execFileSync('go', args, {cwd: work, stdio: ['ignore', 'inherit', 'inherit'], env: {...process.env, GOFLAGS: '-mod=mod', ...extraEnv}})
  try {
    run(['mod', 'init', 'nsqref'])
    run(['mod', 'edit', `-replace=${REPLACE}`])
    run(['get', ...Object.values(PACKAGES).map((p) => `github.com/nsqio/nsq/${p}@${VERSION}`)])
    fs.mkdirSync(cacheBin, {recursive: true})
    const install = () => run(['install', ...Object.values(PACKAGES).map((p) => `github.com/nsqio/nsq/${p}`)], {GOBIN: cacheBin})
    try {
      install()
    } catch {
      log('build failed; raising golang.org/x/sys (old versions do not build with new Go) and trying again')
      run(['get', 'golang.org/x/sys@latest'])
      install()
    }
  } finally {
    fs.rmSync(work, {recursive: true, force: true})
  }
  if (!complete(cacheBin)) throw new Error(`the Go build finished but ${cacheBin} is missing binaries`)
  return cacheBin
}

export function ensureNsq() {
  const fromEnv = process.env.NSQ_BIN_DIR
  if (fromEnv) {
    if (!complete(fromEnv)) throw new Error(`NSQ_BIN_DIR=${fromEnv} does not hold all of: ${Object.keys(PACKAGES).join(', ')}`)
    return fromEnv
  }
  if (complete(cacheBin)) return cacheBin
  return fromPath() ?? build()
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensureNsq()}\n`)
  } catch (error) {
    log(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
}
