import {Args, Flags} from '@oclif/core'
import {NsqCommand} from '../../cli/base-command.js'
import {EXIT, exitCodesHelp} from '../../cli/exit-codes.js'
import {NsqError} from '../../core/index.js'
import {ContextStore} from '../../tools/context/store.js'

export default class ContextUse extends NsqCommand<typeof ContextUse> {
  static override summary = 'Make a context the current one (used by every command unless --context or NSQ_CONTEXT says otherwise)'

  static override description = `Writes NAME to $XDG_CONFIG_HOME/nsq-toolkit/current-context. --none clears it: commands then use their flags, env vars and defaults only.

${exitCodesHelp([EXIT.OK, EXIT.USAGE])}`

  static override examples = ['<%= config.bin %> <%= command.id %> prod', '<%= config.bin %> <%= command.id %> --none']

  static override appliesContext = false

  static override args = {
    name: Args.string({description: 'context to make current', required: false, ignoreStdin: true}),
  }

  static override flags = {
    none: Flags.boolean({summary: 'no current context'}),
  }

  async run(): Promise<void> {
    const store = new ContextStore()
    const {name} = this.args
    if (this.flags.none) {
      if (name !== undefined) this.usage('give NAME or --none, not both')
      store.clearCurrent()
      this.status('no current context')
      return
    }
    if (name === undefined) throw new NsqError('CONFIG', 'give the NAME of a context (nsq context list), or --none')
    store.use(name)
    this.status(`current context: ${name}`)
  }
}
