/**
 * The `command_not_found` hook: `nsq tial` exits 2 (a usage error, as the README's table says)
 * with one line naming the nearest command, on a terminal or not. It replaces
 * @oclif/plugin-not-found, which exits 127 and, off a terminal, names no command at all.
 */
import {Errors, toConfiguredId, type Hook, type Interfaces} from '@oclif/core'
import {closest} from './closest.js'
import {EXIT} from './exit-codes.js'

const {error} = Errors

/**
 * Fails with exit 2 and one line naming the nearest command to `id` (oclif's `tial:x` form), for
 * `nsq tial` (the hook below) and `nsq help tial` (help.ts).
 */
export function commandNotFound(id: string, config: Interfaces.Config): never {
  const visible = config.commands.filter((c) => !c.hidden)
  const ids = [...visible.map((c) => c.id), ...visible.flatMap((c) => c.aliases)]
  const shown = (name: string): string => toConfiguredId(name, config)
  // oclif joins the words of `nsq tial x` into the id `tial:x`: the longest leading words that
  // resemble a command are the command meant, the rest its arguments.
  const words = id.split(':')
  let typed = words[0] ?? id
  let suggestion: string | undefined
  for (let n = words.length; n > 0 && suggestion === undefined; n--) {
    const prefix = words.slice(0, n).join(':')
    suggestion = closest(prefix, ids)
    if (suggestion !== undefined) typed = prefix
  }
  const bin = config.bin
  return error(
    `"${shown(typed)}" is not an ${bin} command${suggestion === undefined ? '' : `: did you mean "${bin} ${shown(suggestion)}"?`} (${bin} help lists the commands)`,
    {exit: EXIT.USAGE},
  )
}

const hook: Hook.CommandNotFound = async function (options) {
  commandNotFound(options.id, options.config)
}

export default hook
