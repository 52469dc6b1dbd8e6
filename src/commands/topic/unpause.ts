import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class TopicUnpause extends AdminCommand<typeof TopicUnpause> {
  static override summary = 'Unpause topics on every nsqd that carries them'

  static override description = `POST /topic/unpause on each nsqd that carries the topic: the topic copies its backlog into its channels again.

Results per node and per call: a table on stdout, or --json for scripts; failures are also named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = ['<%= config.bin %> topic unpause orders --lookupd-http-address 127.0.0.1:4161']

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
    return this.runAction({action: 'unpause_topic', topics})
  }
}
