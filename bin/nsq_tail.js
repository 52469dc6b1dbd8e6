#!/usr/bin/env node
// Drop-in for the official nsq_tail: accepts its Go-style flags and runs `nsq tail`.
import {runDropIn} from '../dist/cli/run-drop-in.js'

const {default: command} = await import('../dist/commands/tail.js')
await runDropIn(command.dropIn, import.meta.url)
