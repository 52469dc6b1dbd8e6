#!/usr/bin/env node
// Drop-in for the official nsq_to_http: accepts its Go-style flags and runs `nsq to-http`.
import {runDropIn} from '../dist/cli/run-drop-in.js'

const {default: command} = await import('../dist/commands/to-http.js')
await runDropIn(command.dropIn, import.meta.url)
