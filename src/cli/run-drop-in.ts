import {Config, execute} from '@oclif/core'
import {dropInName, dropInUsage, dropInVersionLine, translateGoArgs, type DropInSpec} from './drop-in.js'

/**
 * Entry point of a drop-in binary: translate Go-style flags, then run our command. `-help` shows
 * the drop-in's own usage (its Go-style flags) and `-version` a version line like the official
 * apps', both in the drop-in's name.
 */
export async function runDropIn(spec: DropInSpec, binUrl: string): Promise<void> {
  const {argv, notes} = translateGoArgs(process.argv.slice(2), spec)
  for (const note of notes) process.stderr.write(`${note}\n`)
  const name = dropInName() ?? spec.command
  if (argv.includes('--version') || argv.includes('--help')) {
    const config = await Config.load(binUrl)
    if (argv.includes('--version')) {
      process.stdout.write(`${dropInVersionLine(name, config.version)}\n`)
      return
    }
    const command = config.findCommand(spec.command)
    if (command !== undefined) {
      process.stdout.write(dropInUsage(name, spec, command.flags, command.summary))
      return
    }
  }
  await execute({dir: binUrl, args: argv})
}
