/** `nsq tail` started directly (src/cli/direct-start.ts); bundled with oclif as dist/direct/tail.cjs (see relay.ts). */
import {runDirectly} from '../cli/direct-start.js'
import Tail from '../commands/tail.js'

export const run = (argv: string[], binUrl: string): Promise<void> => runDirectly(Tail, 'tail', argv, binUrl)
