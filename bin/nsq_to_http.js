#!/usr/bin/env node
// Drop-in for the official nsq_to_http: accepts its Go-style flags and runs `nsq to-http`.
// Only the flag spec is loaded here; oclif and the command load when the command runs.
import {toHttpDropIn} from '../dist/cli/drop-in-specs.js'
import {runDropIn} from '../dist/cli/run-drop-in.js'

await runDropIn(toHttpDropIn, import.meta.url)
