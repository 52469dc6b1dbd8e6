#!/usr/bin/env node
// Drop-in for the official nsq_to_file: accepts its Go-style flags and runs `nsq to-file`.
import {runDropIn} from '../dist/cli/run-drop-in.js'

const {default: command} = await import('../dist/commands/to-file.js')
await runDropIn(command.dropIn, import.meta.url)
