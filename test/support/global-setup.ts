import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * Provides the NSQ binaries once per run (building them with Go if needed) and a folder in
 * which every test process records the pids it starts; teardown kills whatever is left there,
 * so no nsqd outlives the run even when a test or a worker dies. Both reach the test workers
 * through the environment they inherit (NSQ_BIN_DIR, S3_SERVER_BIN, PROM_PYTHON, NSQ_TEST_PID_DIR).
 */
export default function setup(): () => void {
  const pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-toolkit-pids-'))
  process.env.NSQ_TEST_PID_DIR = pidDir
  // An empty config folder for the whole run: a context the developer made current (`nsq context
  // use`) or exported (NSQ_CONTEXT) must not leak into every command the tests run.
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-toolkit-config-'))
  process.env.XDG_CONFIG_HOME = configDir
  delete process.env.NSQ_CONTEXT
  if (process.env.NSQ_SKIP_INTEGRATION === '1') {
    process.stderr.write('NSQ_SKIP_INTEGRATION=1: integration and e2e tests are skipped\n')
  } else {
    // Throws with the script's message (what to install) when neither PATH nor Go can provide NSQ.
    process.env.NSQ_BIN_DIR = execFileSync(process.execPath, ['scripts/ensure-nsq.mjs'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim()
    // The S3-compatible server (versitygw, built with Go on first use) for the S3 upload tests.
    process.env.S3_SERVER_BIN = execFileSync(process.execPath, ['scripts/ensure-s3.mjs'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim()
    // The official Python Prometheus client (PyPI prometheus_client, pinned) in a venv: its text parser checks our /metrics.
    process.env.PROM_PYTHON = execFileSync(process.execPath, ['scripts/ensure-python-prom.mjs'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim()
  }
  return () => {
    for (const name of fs.readdirSync(pidDir)) {
      const pid = Number(name)
      try {
        process.kill(pid, 'SIGKILL')
        process.stderr.write(`global teardown: killed leftover process ${pid}\n`)
      } catch {
        // already gone
      }
    }
    fs.rmSync(pidDir, {recursive: true, force: true})
    fs.rmSync(configDir, {recursive: true, force: true})
  }
}
