import {Flags} from '@oclif/core'
import {NsqCommand} from '../../cli/base-command.js'
import {EXIT, exitCodesHelp} from '../../cli/exit-codes.js'
import {jsonSummaryFlag} from '../../cli/flags.js'
import {isNsqError} from '../../core/index.js'
import {chooseContext} from '../../tools/context/resolve.js'
import {ContextStore, type ContextSettings} from '../../tools/context/store.js'
import {describeSettings, settingsOnly} from '../../tools/context/view.js'
import {EXIT as TOOL_EXIT} from '../../tools/result.js'

export interface ContextListSummary {
  current: string | null
  /** How the marked context was chosen: flag (--context), env (NSQ_CONTEXT), current (nsq context use). */
  current_from: string | null
  contexts: {
    name: string
    current: boolean
    file: string
    description?: string
    settings?: Omit<ContextSettings, 'description'>
    /** Why the file was refused (e.g. readable by others), instead of its settings. */
    error?: string
  }[]
}

export default class ContextList extends NsqCommand<typeof ContextList> {
  static override summary = 'List the saved contexts; * marks the one commands use'

  static override description = `Every context in $XDG_CONFIG_HOME/nsq-toolkit/contexts (default ~/.config/nsq-toolkit), with its description and what it points at. The marked one is what a command would use: --context, else NSQ_CONTEXT, else the current one (nsq context use). A context file that is refused (readable by others, not a context) is listed with why, and the exit code is 2.

${exitCodesHelp([EXIT.OK, EXIT.USAGE])}`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --json | jq -r '.contexts[].name'",
  ]

  static override appliesContext = false
  static override enableJsonFlag = true

  static override flags = {
    json: jsonSummaryFlag,
    /** One name a line, for shell completion (never fails, reads no context file). */
    names: Flags.boolean({hidden: true, summary: 'print only the names, one a line'}),
  }

  async run(): Promise<ContextListSummary> {
    const store = new ContextStore()
    const names = store.names()
    if (this.flags.names) {
      for (const name of names) this.log(name)
      return {current: null, current_from: null, contexts: []}
    }
    const typed = this.argv.some((a) => a === '--context' || a.startsWith('--context='))
    const choice = chooseContext(this.flags.context, typed, process.env, () => store.current())
    let refused = false
    const contexts = names.map((name): ContextListSummary['contexts'][number] => {
      const file = store.fileOf(name)
      const current = choice?.name === name
      try {
        const {settings} = store.read(name)
        return {
          name,
          current,
          file,
          ...(settings.description === undefined ? {} : {description: settings.description}),
          settings: settingsOnly(settings),
        }
      } catch (error) {
        if (!isNsqError(error)) throw error
        refused = true
        process.stderr.write(`${error.message}\n`)
        return {name, current, file, error: error.message}
      }
    })
    const summary: ContextListSummary = {current: choice?.name ?? null, current_from: choice?.from ?? null, contexts}
    if (!this.jsonEnabled()) {
      if (contexts.length === 0) this.log('no contexts yet: nsq context add NAME --lookupd-http-address HOST:4161 …')
      else {
        const rows = contexts.map((c) => [
          c.current ? '*' : ' ',
          c.name,
          c.description ?? '',
          c.error === undefined ? describeSettings(c.settings ?? {}) : '(refused, see above)',
        ])
        const width = (i: number, title: string): number => Math.max(title.length, ...rows.map((r) => (r[i] ?? '').length))
        const w1 = width(1, 'NAME')
        const w2 = width(2, 'DESCRIPTION')
        const line = (r: string[]): string =>
          `${r[0] ?? ''} ${(r[1] ?? '').padEnd(w1)}  ${(r[2] ?? '').padEnd(w2)}  ${r[3] ?? ''}`.trimEnd()
        this.log([line([' ', 'NAME', 'DESCRIPTION', 'SETTINGS']), ...rows.map(line)].join('\n'))
        if (choice !== undefined && !names.includes(choice.name)) this.warn(`the context in use, "${choice.name}", does not exist`)
      }
    }
    return this.complete({summary, exitCode: refused ? TOOL_EXIT.USAGE : TOOL_EXIT.OK})
  }
}
