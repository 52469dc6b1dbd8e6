#!/usr/bin/env node
// Drop-in for the official nsq_tail: accepts its Go-style flags and runs `nsq tail`.
// Only the flag spec is loaded here; oclif and the command load when the command runs.
import {tailDropIn} from '../dist/cli/drop-in-specs.js'
import {runDropIn} from '../dist/cli/run-drop-in.js'

await runDropIn(tailDropIn, import.meta.url)
