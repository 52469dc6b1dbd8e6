import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {TestProject} from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    nsqBinDir: string
    pidDir: string
  }
}

/**
 * Provides the NSQ binaries once per run (building them with Go if needed) and a folder in
 * which every test process records the pids it starts; teardown kills whatever is left there,
 * so no nsqd outlives the run even when a test or a worker dies.
 */
export default function setup(project: TestProject): () => void {
  const pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-toolkit-pids-'))
  project.provide('pidDir', pidDir)
  if (process.env.NSQ_SKIP_INTEGRATION === '1') {
    process.stderr.write('NSQ_SKIP_INTEGRATION=1: integration and e2e tests are skipped\n')
    project.provide('nsqBinDir', '')
  } else {
    // Throws with the script's message (what to install) when neither PATH nor Go can provide NSQ.
    const dir = execFileSync(process.execPath, ['scripts/ensure-nsq.mjs'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}).trim()
    project.provide('nsqBinDir', dir)
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
  }
}
