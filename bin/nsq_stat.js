#!/usr/bin/env node
// Drop-in for the official nsq_stat: accepts its Go-style flags and runs `nsq stat`.
// Only the flag spec is loaded here; oclif and the command load when the command runs.
import {statDropIn} from '../dist/cli/drop-in-specs.js'
import {runDropIn} from '../dist/cli/run-drop-in.js'

await runDropIn(statDropIn, import.meta.url)
