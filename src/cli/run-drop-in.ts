import {installAsciiLocaleCompare} from './ascii-collation.js'
import {smallYoungGeneration} from './lean-heap.js'
import {dropInName, dropInUsage, dropInVersionLine, translateGoArgs, type DropInSpec} from './drop-in.js'
import {directStartCommand, readPackage} from './fast-start.js'
import {loadDirectStart, loadOclif} from './load-oclif.js'

/**
 * Entry point of a drop-in binary: translate Go-style flags, then run our command. `-version`
 * prints a version line like the official apps' in the drop-in's name, without loading oclif
 * (src/cli/fast-start.ts reads package.json); `-help` shows the drop-in's own usage (its
 * Go-style flags); everything else loads oclif and the command only now, or the command's
 * direct start where it has one (`nsq_to_nsq` → `nsq relay`, src/cli/direct-start.ts).
 */
export async function runDropIn(spec: DropInSpec, binUrl: string): Promise<void> {
  const {argv, notes} = translateGoArgs(process.argv.slice(2), spec)
  for (const note of notes) process.stderr.write(`${note}\n`)
  const name = dropInName() ?? spec.command
  if (argv.includes('--version')) {
    process.stdout.write(`${dropInVersionLine(name, readPackage().version)}\n`)
    return
  }
  installAsciiLocaleCompare()
  smallYoungGeneration(spec.command)
  const direct = directStartCommand(argv)
  if (direct !== undefined) {
    const {run} = await loadDirectStart(direct)
    await run(argv.slice(1), binUrl)
    return
  }
  const {Config, execute} = await loadOclif()
  if (argv.includes('--help')) {
    const config = await Config.load(binUrl)
    const command = config.findCommand(spec.command)
    if (command !== undefined) {
      process.stdout.write(dropInUsage(name, spec, command.flags, command.summary))
      return
    }
  }
  await execute({dir: binUrl, args: argv})
}
