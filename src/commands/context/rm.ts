import {Args} from '@oclif/core'
import {NsqCommand} from '../../cli/base-command.js'
import {EXIT, exitCodesHelp} from '../../cli/exit-codes.js'
import {ContextStore, validateContextName} from '../../tools/context/store.js'

export default class ContextRm extends NsqCommand<typeof ContextRm> {
  static override summary = 'Delete a context (and clear the current one if it was this)'

  static override description = `Removes $XDG_CONFIG_HOME/nsq-toolkit/contexts/NAME.json. Files it referenced (certificates, secret files) are left alone.

${exitCodesHelp([EXIT.OK, EXIT.USAGE])}`

  static override examples = ['<%= config.bin %> <%= command.id %> staging']

  static override appliesContext = false

  static override args = {
    name: Args.string({description: 'context to delete', required: true, ignoreStdin: true}),
  }

  async run(): Promise<void> {
    validateContextName(this.args.name)
    const file = new ContextStore().remove(this.args.name)
    this.status(`context "${this.args.name}" removed (${file})`)
  }
}
