#!/usr/bin/env node
// Prints "N passed, N failed" (and skipped, if any) from vitest's JSON report, so a run that
// executed no test is visible in CI logs.
import fs from 'node:fs'

const file = process.argv[2] ?? 'test-results.json'
if (!fs.existsSync(file)) {
  process.stdout.write('0 passed, 0 failed\n')
  process.stderr.write(`no test report at ${file}: the tests did not run (see the build, typecheck or lint output above)\n`)
  process.exit(0)
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'))
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
process.stdout.write(`${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`)
