import {Args} from '@oclif/core'
import {flagInfos, NsqCommand} from '../../cli/base-command.js'
import {EXIT, exitCodesHelp} from '../../cli/exit-codes.js'
import {jsonSummaryFlag, lookupdHttpAddressFlag, nsqdHttpAddressFlag, nsqdTcpAddressFlag, securityFlags} from '../../cli/flags.js'
import {chooseContext, resolveContext, type ContextChoice} from '../../tools/context/resolve.js'
import {ContextStore, type StoredContext} from '../../tools/context/store.js'
import {renderShow, showSummary, type ShowSummary} from '../../tools/context/view.js'

export default class ContextShow extends NsqCommand<typeof ContextShow> {
  static override summary = 'Show the connection settings a command would use, and where each comes from'

  static override description = `Resolves the connection settings as every command does: a flag given here > its NSQ_* environment variable > the context > the default, and prints each value with its source (flag, env VAR, context NAME, default). NAME defaults to the context a command would use (--context, NSQ_CONTEXT, else the current one). Secrets are masked: the file or environment variable that holds one is shown, its value never.

${exitCodesHelp([EXIT.OK, EXIT.USAGE])}`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> prod --json',
    {
      description: 'What a command given this flag would use',
      command: '<%= config.bin %> <%= command.id %> prod --nsqd-tcp-address 127.0.0.1:4150',
    },
  ]

  static override appliesContext = false
  static override enableJsonFlag = true

  static override args = {
    name: Args.string({description: 'context to show (default: the one a command would use)', required: false, ignoreStdin: true}),
  }

  static override flags = {
    json: jsonSummaryFlag,
    'lookupd-http-address': lookupdHttpAddressFlag,
    'nsqd-tcp-address': nsqdTcpAddressFlag,
    'nsqd-http-address': nsqdHttpAddressFlag,
    ...securityFlags,
  }

  async run(): Promise<ShowSummary> {
    const flags = this.flags as unknown as Record<string, unknown>
    const store = new ContextStore()
    const typed = this.argv.some((a) => a === '--context' || a.startsWith('--context='))
    const choice: (Omit<ContextChoice, 'from'> & {from: string}) | undefined =
      this.args.name === undefined
        ? chooseContext(this.flags.context, typed, process.env, () => store.current())
        : {name: this.args.name, from: 'argument'}
    const stored: StoredContext | undefined = choice === undefined ? undefined : store.read(choice.name)
    const definitions = flagInfos({...ContextShow.baseFlags, ...ContextShow.flags})
    const resolution = resolveContext({flags, definitions, argv: this.argv, env: process.env, context: stored})
    const summary = showSummary(flags, resolution, choice as ContextChoice | undefined, stored)
    if (!this.jsonEnabled()) this.log(renderShow(summary))
    return summary
  }
}
