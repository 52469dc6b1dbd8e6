#!/usr/bin/env node
// Provides a Python interpreter that can import the official Prometheus client (PyPI
// prometheus_client, pinned), and prints its path. The tests parse our /metrics with its
// text-format parser (prometheus_client.parser.text_string_to_metric_families): a parser that no
// one here wrote.
//
// Order: $PROM_PYTHON (a python that imports prometheus_client), then the git-ignored cache
// .cache/prometheus-client-<version>/bin/python (a venv), else `python3 -m venv` into that cache
// and `pip install prometheus_client==<version>` there (first run only, a few seconds).
import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const VERSION = '0.26.0'
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const venv = path.join(root, '.cache', `prometheus-client-${VERSION}`)
const python = path.join(venv, 'bin', 'python')

const log = (line) => process.stderr.write(`[ensure-python-prom] ${line}\n`)

function imports(interpreter) {
  const probe = spawnSync(interpreter, ['-c', 'import prometheus_client, sys; sys.stdout.write(prometheus_client.__name__)'], {
    encoding: 'utf8',
  })
  return probe.status === 0
}

export function ensurePythonProm() {
  const fromEnv = process.env.PROM_PYTHON
  if (fromEnv) {
    if (!imports(fromEnv)) throw new Error(`PROM_PYTHON=${fromEnv} cannot import prometheus_client`)
    return fromEnv
  }
  if (fs.existsSync(python) && imports(python)) return python
  log(`creating a venv with prometheus_client==${VERSION} in ${venv} (first run only)`)
  // A half-made venv from an interrupted run is started afresh.
  if (fs.existsSync(venv)) fs.rmSync(venv, {recursive: true, force: true})
  fs.mkdirSync(path.dirname(venv), {recursive: true})
  const tmp = `${venv}.tmp-${process.pid}`
  fs.rmSync(tmp, {recursive: true, force: true})
  execFileSync('python3', ['-m', 'venv', tmp], {stdio: ['ignore', 'inherit', 'inherit']})
  execFileSync(
    path.join(tmp, 'bin', 'python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `prometheus_client==${VERSION}`],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  // A venv records its own path in its scripts; rename before first use would break `bin/pip`
  // but not `bin/python -m …`, which is all the tests use.
  try {
    fs.renameSync(tmp, venv)
  } catch (error) {
    // Another test run (another worktree sharing .cache) finished its venv first: use that one.
    fs.rmSync(tmp, {recursive: true, force: true})
    if (!(fs.existsSync(python) && imports(python))) throw error
  }
  if (!imports(python)) throw new Error(`the venv in ${venv} was made but cannot import prometheus_client`)
  return python
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensurePythonProm()}\n`)
  } catch (error) {
    log(error instanceof Error ? error.message : String(error))
    log(
      'the tests need python3 with the venv module (Debian: apt-get install python3-venv), or PROM_PYTHON set to a python that imports prometheus_client',
    )
    process.exit(1)
  }
}
