#!/usr/bin/env node
// Drop-in for the official to_nsq: accepts its Go-style flags and runs `nsq to-nsq`.
import {runDropIn} from '../dist/cli/run-drop-in.js'

const {default: command} = await import('../dist/commands/to-nsq.js')
await runDropIn(command.dropIn, import.meta.url)
