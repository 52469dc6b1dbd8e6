/**
 * `nsq relay` started directly (src/cli/direct-start.ts). Built as dist/direct/relay.js, one
 * bundle with oclif inlined (scripts/bundle-commands.mjs); it sits two folders below the package
 * root as dist/cli/ does, so what the bundled modules find next to themselves
 * (`new URL('../../package.json', import.meta.url)`) is where it was.
 */
import {runDirectly} from '../cli/direct-start.js'
import Relay from '../commands/relay.js'

export const run = (argv: string[], binUrl: string): Promise<void> => runDirectly(Relay, 'relay', argv, binUrl)
