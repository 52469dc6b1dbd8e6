#!/usr/bin/env node
// `nsq --version` and `nsq <command> --help` are answered without loading oclif when they can
// be (dist/cli/fast-start.js says when); everything else goes to oclif as before.
import {installAsciiLocaleCompare} from '../dist/cli/ascii-collation.js'
import {fastStart} from '../dist/cli/fast-start.js'
import {smallYoungGeneration} from '../dist/cli/lean-heap.js'
import {loadOclif} from '../dist/cli/load-oclif.js'

if (!fastStart(process.argv.slice(2))) {
  installAsciiLocaleCompare()
  smallYoungGeneration(process.argv[2])
  const {execute} = await loadOclif()
  await execute({dir: import.meta.url})
}
