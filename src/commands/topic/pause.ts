import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class TopicPause extends AdminCommand<typeof TopicPause> {
  static override summary = 'Pause topics on every nsqd that carries them (messages stay in the topic; channels get nothing new)'

  static override description = `POST /topic/pause on each nsqd that carries the topic; nsqd keeps the state across restarts. nsq stat shows it in its PAUSED column; nsq topic unpause reverses it.

Results per node and per call: a table on stdout, or --json for scripts; failures are also named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> topic pause orders --lookupd-http-address 127.0.0.1:4161',
    "<%= config.bin %> topic pause '/^orders\\.(eu|us)$/' --lookupd-http-address 127.0.0.1:4161 --json",
  ]

  static override strict = false

  static override args = {
    topic: Args.string({
      required: true,
      description: 'topic: a name, a glob (orders.*) or a /regex/; give several to act on each',
      ignoreStdin: true,
    }),
  }

  static override flags = {...adminClusterFlags, 'dry-run': adminActionFlags['dry-run'], notify: adminActionFlags.notify}

  async run(): Promise<AdminSummary> {
    const topics = await this.positional()
    return this.runAction({action: 'pause_topic', topics})
  }
}
