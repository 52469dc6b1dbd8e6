#!/usr/bin/env node
// Drop-in for the official nsq_stat: accepts its Go-style flags and runs `nsq stat`.
import {runDropIn} from '../dist/cli/run-drop-in.js'

const {default: command} = await import('../dist/commands/stat.js')
await runDropIn(command.dropIn, import.meta.url)
