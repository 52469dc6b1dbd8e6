import {translateGoArgs, type DropInSpec} from './drop-in.js'
import {printVersion} from './fast-start.js'

/**
 * Entry point of a drop-in binary: translate Go-style flags, then run our command. `-version`
 * is the CLI's version, not a flag of the command, and is printed without loading oclif
 * (src/cli/fast-start.ts); everything else loads oclif and the command only now.
 */
export async function runDropIn(spec: DropInSpec, binUrl: string): Promise<void> {
  const {argv, notes} = translateGoArgs(process.argv.slice(2), spec)
  for (const note of notes) process.stderr.write(`${note}\n`)
  const version = argv.includes('--version')
  if (version && printVersion()) return
  const {execute} = await import('@oclif/core')
  await execute({dir: binUrl, args: version ? ['--version'] : argv})
}
