/**
 * Direct start: running one command without oclif's `run()` around it. For `nsq relay`, whose
 * time from spawn counts in its speed target (`npm run bench:compare` times the whole process),
 * `run()` costs what the command never uses: loading the plugins' package.json and manifests
 * (help, autocomplete; and a user plugins' package.json, which only @oclif/plugin-plugins would
 * write and we don't ship), the `init`/`prerun`/`postrun`/`finally` hooks (none of ours or
 * theirs listens to those), finding the command, then importing it. Here the root plugin alone is
 * loaded (its package.json with `oclif.plugins` emptied), the command class is already linked
 * into the same bundle (scripts/bundle-commands.mjs: src/direct/<id>.ts with oclif inlined,
 * one module for node to link instead of ~240), and it is run as `config.runCommand` would:
 * `Command.run(argv, config)` with the id and plugin set as oclif's `findCommand` sets them,
 * then `flush()`, errors through oclif's `handle()` as `execute()` does, so exit codes and
 * messages are the same.
 *
 * Whether a run may start directly is decided in src/cli/fast-start.ts (`directStartCommand`):
 * never with a help flag anywhere (oclif renders help), never under NSQ_NO_FAST_START.
 */
import {fileURLToPath} from 'node:url'
import {Config, flush, handle, type Command, type Interfaces} from '@oclif/core'
import {readPackage} from './fast-start.js'

/** Runs `command` as `nsq <id> ...argv` would, given the bin's `import.meta.url`. */
export async function runDirectly(command: Command.Class, id: string, argv: string[], binUrl: string): Promise<void> {
  try {
    const pjson = readPackage() as unknown as Interfaces.PJSON
    const config = await Config.load({
      root: fileURLToPath(new URL('..', binUrl)),
      pjson: {...pjson, oclif: {...pjson.oclif, plugins: []}},
      devPlugins: false,
      userPlugins: false,
    })
    command.id = id
    command.plugin = config.plugins.get(config.pjson.name)
    await command.run(argv, config)
    // As execute() does: started, not awaited (it only waits for stdout to drain, 10 s at most).
    void flush()
  } catch (error) {
    await handle(error as Error)
  }
}
