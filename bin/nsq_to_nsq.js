#!/usr/bin/env node
// Drop-in for the official nsq_to_nsq: accepts its Go-style flags and runs `nsq relay`.
import {runDropIn} from '../dist/cli/run-drop-in.js'

const {default: command} = await import('../dist/commands/relay.js')
await runDropIn(command.dropIn, import.meta.url)
