import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class ChannelPause extends AdminCommand<typeof ChannelPause> {
  static override summary = 'Pause channels on every nsqd that has them (messages queue up; consumers get nothing)'

  static override description = `POST /channel/pause on each nsqd that has the channel; nsqd keeps the state across restarts. nsq stat shows it in its PAUSED column; nsq channel unpause reverses it.

Results per node and per call: a table on stdout, or --json for scripts; failures are also named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> channel pause orders archive --lookupd-http-address 127.0.0.1:4161',
    "<%= config.bin %> channel pause orders '*' --lookupd-http-address 127.0.0.1:4161 --dry-run",
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

  static override flags = {...adminClusterFlags, 'dry-run': adminActionFlags['dry-run'], notify: adminActionFlags.notify}

  async run(): Promise<AdminSummary> {
    const [topic = '', ...channels] = await this.positional()
    return this.runAction({action: 'pause_channel', topics: [topic], channels})
  }
}
