import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class ChannelEmpty extends AdminCommand<typeof ChannelEmpty> {
  static override summary = 'Empty channels on every nsqd that has them: queue, in-flight and deferred messages'

  static override description = `POST /channel/empty on each nsqd that has the channel: drops its memory and disk queue and its in-flight and deferred messages (consumers' later FINs for them fail). Shows what would be lost and asks on a terminal; off a terminal it needs --yes.

Results per node and per call: a table on stdout, or --json for scripts; failures are also named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> channel empty orders archive --lookupd-http-address 127.0.0.1:4161',
    "<%= config.bin %> channel empty orders archive --lookupd-http-address 127.0.0.1:4161 --yes --notify 'http://127.0.0.1:4151/pub?topic=nsqadmin_events'",
  ]

  static override strict = false

  static override args = {
    topic: Args.string({required: true, description: 'topic: a name, a glob or a /regex/', ignoreStdin: true}),
    channel: Args.string({
      required: true,
      description: 'channel: a name, a glob or a /regex/; give several to act on each',
      ignoreStdin: true,
    }),
  }

  static override flags = {...adminClusterFlags, ...adminActionFlags}

  async run(): Promise<AdminSummary> {
    const [topic = '', ...channels] = await this.positional()
    return this.runAction({action: 'empty_channel', topics: [topic], channels})
  }
}
