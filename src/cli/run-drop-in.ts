import {execute} from '@oclif/core'
import {translateGoArgs, type DropInSpec} from './drop-in.js'

/** Entry point of a drop-in binary: translate Go-style flags, then run our command. */
export async function runDropIn(spec: DropInSpec, binUrl: string): Promise<void> {
  const {argv, notes} = translateGoArgs(process.argv.slice(2), spec)
  for (const note of notes) process.stderr.write(`${note}\n`)
  // `-version` is the CLI's version, not a flag of the command.
  await execute({dir: binUrl, args: argv.includes('--version') ? ['--version'] : argv})
}
