/**
 * The help class (package.json `oclif.helpClass`): oclif prints `$ ` before an example only when
 * it starts with the CLI's name, so pipelines (`tail -F app.log | nsq to-nsq …`) and other tools'
 * commands (`kill -HUP <pid>`) came out without it. Every example command starts with `$` here.
 */
import {CommandHelp, Help, type Command} from '@oclif/core'
import {commandNotFound} from './command-not-found.js'

class NsqCommandHelp extends CommandHelp {
  protected override examples(examples: Command.Example[] | string | undefined): string | undefined {
    if (examples === undefined || typeof examples === 'string') return super.examples(examples)
    return super.examples(
      examples.map((example) =>
        typeof example === 'string' ? example : {...example, command: withPrompt(example.command, this.config.bin)},
      ),
    )
  }
}

/** `$ ` before a command that does not start with the CLI (oclif adds it to those itself). */
function withPrompt(command: string, bin: string): string {
  return command.startsWith('$') || command.startsWith('<%= config.bin') || command.startsWith(bin) ? command : `$ ${command}`
}

export default class NsqHelp extends Help {
  protected override CommandHelpClass = NsqCommandHelp

  /** `nsq help tial` is a usage error (2) naming the nearest command, as `nsq tial` is. */
  override async showHelp(argv: string[]): Promise<void> {
    const words: string[] = []
    for (const arg of argv) {
      if (arg === '--' || arg.startsWith('-')) break
      if (arg !== '' && (arg !== 'help' || words.length > 0)) words.push(arg)
    }
    // The words name a command (the rest are its arguments), or all of them a topic; else it is a typo.
    const id = (n: number): string => words.slice(0, n).join(':')
    const command = words.some((_, i) => this.config.findCommand(id(i + 1)) !== undefined)
    const topic = this.config.findTopic(id(words.length)) !== undefined
    if (words.length > 0 && !command && !topic) commandNotFound(id(words.length), this.config)
    return super.showHelp(argv)
  }
}
