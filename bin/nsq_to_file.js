#!/usr/bin/env node
// Drop-in for the official nsq_to_file: accepts its Go-style flags and runs `nsq to-file`.
// Only the flag spec is loaded here; oclif and the command load when the command runs.
import {toFileDropIn} from '../dist/cli/drop-in-specs.js'
import {runDropIn} from '../dist/cli/run-drop-in.js'

await runDropIn(toFileDropIn, import.meta.url)
