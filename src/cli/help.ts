/**
 * The help class (package.json `oclif.helpClass`): oclif prints `$ ` before an example only when
 * it starts with the CLI's name, so pipelines (`tail -F app.log | nsq to-nsq …`) and other tools'
 * commands (`kill -HUP <pid>`) came out without it. Every example command starts with `$` here.
 */
import {CommandHelp, Help, type Command} from '@oclif/core'

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
}
