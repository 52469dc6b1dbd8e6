import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class ChannelDelete extends AdminCommand<typeof ChannelDelete> {
  static override summary = 'Delete channels across the cluster: lookupd first, then every nsqd that has the channel'

  static override description = `POST /channel/delete on every lookupd, then on each nsqd that has the channel. Shows what would be lost per node (depth, in flight, deferred) and asks on a terminal; off a terminal it needs --yes. A channel lookupd does not list (404 CHANNEL_NOT_FOUND) counts as already gone.

Results per node and per call: a table on stdout, or --json for scripts; failures are also named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> channel delete orders archive --lookupd-http-address 127.0.0.1:4161',
    "<%= config.bin %> channel delete orders 'tmp-*' --lookupd-http-address 127.0.0.1:4161 --dry-run",
    "<%= config.bin %> channel delete 'orders.*' old --lookupd-http-address 127.0.0.1:4161 --yes --json",
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
    return this.runAction({action: 'delete_channel', topics: [topic], channels})
  }
}
