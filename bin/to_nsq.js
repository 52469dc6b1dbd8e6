#!/usr/bin/env node
// Drop-in for the official to_nsq: accepts its Go-style flags and runs `nsq to-nsq`.
// Only the flag spec is loaded here; oclif and the command load when the command runs.
import {toNsqDropIn} from '../dist/cli/drop-in-specs.js'
import {runDropIn} from '../dist/cli/run-drop-in.js'

await runDropIn(toNsqDropIn, import.meta.url)
