#!/usr/bin/env node
// `nsq --version` and `nsq <command> --help` are answered without loading oclif when they can
// be, and `nsq relay …` starts its command directly (dist/cli/fast-start.js says when);
// everything else goes to oclif as before.
import {installAsciiLocaleCompare} from '../dist/cli/ascii-collation.js'
import {directStartCommand, fastStart} from '../dist/cli/fast-start.js'
import {smallYoungGeneration} from '../dist/cli/lean-heap.js'
import {loadDirectStart, loadOclif} from '../dist/cli/load-oclif.js'

const argv = process.argv.slice(2)
if (!fastStart(argv)) {
  installAsciiLocaleCompare()
  smallYoungGeneration(argv[0])
  const direct = directStartCommand(argv)
  if (direct === undefined) {
    const {execute} = await loadOclif()
    await execute({dir: import.meta.url})
  } else {
    const {run} = await loadDirectStart(direct)
    await run(argv.slice(1), import.meta.url)
  }
}
