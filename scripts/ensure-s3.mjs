#!/usr/bin/env node
// Provides the S3-compatible server the tests and benchmarks run against, and prints its path.
//
// The server is versitygw v1.8.0 (a production S3 gateway over a POSIX folder, Go module
// github.com/versity/versitygw/cmd/versitygw), started as
// `versitygw --access K --secret S --port 127.0.0.1:PORT posix DIR`.
//
// Order: $S3_SERVER_BIN (a versitygw or moto_server executable), then the git-ignored cache
// .cache/versitygw-1.8.0/bin/versitygw, then `versitygw` on PATH, else a build with the machine's
// Go from the Go module proxy into that cache (`go install …@v1.8.0`, about a minute and a half).
// Only when that build fails: moto's server (PyPI moto[server], pinned) installed with pip into
// .cache/moto-<version>, behind a small `moto_server` wrapper script; test/support/s3.ts tells the
// two apart by file name.
import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const VERSITYGW_VERSION = 'v1.8.0'
const VERSITYGW_MODULE = 'github.com/versity/versitygw/cmd/versitygw'
const MOTO_VERSION = '5.2.5'
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cacheBin = path.join(root, '.cache', `versitygw-${VERSITYGW_VERSION.slice(1)}`, 'bin')
const cached = path.join(cacheBin, 'versitygw')
const motoDir = path.join(root, '.cache', `moto-${MOTO_VERSION}`)
const motoWrapper = path.join(motoDir, 'moto_server')

const log = (line) => process.stderr.write(`[ensure-s3] ${line}\n`)

function executable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

function fromPath() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, 'versitygw'))) return path.join(dir, 'versitygw')
  }
  return undefined
}

function buildVersitygw() {
  const go = spawnSync('go', ['version'], {encoding: 'utf8'})
  if (go.status !== 0) throw new Error('Go is not installed')
  log(`building versitygw ${VERSITYGW_VERSION} with ${go.stdout.trim()} (first run only; about a minute and a half)`)
  fs.mkdirSync(cacheBin, {recursive: true})
  execFileSync('go', ['install', `${VERSITYGW_MODULE}@${VERSITYGW_VERSION}`], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {...process.env, GOBIN: cacheBin, GOFLAGS: '-mod=mod'},
  })
  if (!executable(cached)) throw new Error(`the Go build finished but ${cached} is missing`)
  return cached
}

function installMoto() {
  if (executable(motoWrapper)) return motoWrapper
  log(`installing moto[server]==${MOTO_VERSION} with pip into ${motoDir} (fallback server)`)
  const lib = path.join(motoDir, 'lib')
  execFileSync('python3', ['-m', 'pip', 'install', '--quiet', '--target', lib, `moto[server]==${MOTO_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  fs.writeFileSync(motoWrapper, `#!/bin/sh\nPYTHONPATH="${lib}\${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m moto.server "$@"\n`, {
    mode: 0o755,
  })
  return motoWrapper
}

export function ensureS3() {
  const fromEnv = process.env.S3_SERVER_BIN
  if (fromEnv) {
    if (!executable(fromEnv)) throw new Error(`S3_SERVER_BIN=${fromEnv} is not an executable file`)
    return fromEnv
  }
  if (executable(cached)) return cached
  const onPath = fromPath()
  if (onPath) return onPath
  if (executable(motoWrapper)) return motoWrapper
  try {
    return buildVersitygw()
  } catch (error) {
    log(`versitygw could not be built (${error instanceof Error ? error.message : String(error)}); falling back to moto's server`)
  }
  try {
    return installMoto()
  } catch (error) {
    throw new Error(
      'No S3-compatible server for the tests: versitygw could not be built and moto could not be installed ' +
        `(${error instanceof Error ? error.message : String(error)}).\n` +
        `Install Go 1.25 or later (https://go.dev/dl) so \`go install ${VERSITYGW_MODULE}@${VERSITYGW_VERSION}\` works, ` +
        `or put versitygw on PATH, or point S3_SERVER_BIN at a versitygw or moto_server executable.`,
    )
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensureS3()}\n`)
  } catch (error) {
    log(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
}
