import {Args} from '@oclif/core'
import {ADMIN_EXIT_HELP, AdminCommand, adminActionFlags, adminClusterFlags} from '../../cli/admin-command.js'
import type {AdminSummary} from '../../tools/admin/types.js'

export default class TopicEmpty extends AdminCommand<typeof TopicEmpty> {
  static override summary = "Empty topics' own queues on every nsqd that carries them (channels keep their backlog)"

  static override description = `POST /topic/empty on each nsqd that carries the topic: drops the messages in the topic's memory and disk queue that have not yet been copied to its channels (a paused topic's backlog). Channels keep theirs: use nsq channel empty. Shows what would be lost and asks on a terminal; off a terminal it needs --yes.

Results per node and per call: a table on stdout, or --json for scripts; failures are also named on stderr.

${ADMIN_EXIT_HELP}`

  static override examples = [
    '<%= config.bin %> topic empty orders --lookupd-http-address 127.0.0.1:4161',
    '<%= config.bin %> topic empty orders --nsqd-http-address 10.0.0.1:4151 --yes',
  ]

  static override strict = false

  static override args = {
    topic: Args.string({
      required: true,
      description: 'topic: a name, a glob (orders.*) or a /regex/; give several to act on each',
      ignoreStdin: true,
    }),
  }

  static override flags = {...adminClusterFlags, ...adminActionFlags}

  async run(): Promise<AdminSummary> {
    const topics = await this.positional()
    return this.runAction({action: 'empty_topic', topics})
  }
}
