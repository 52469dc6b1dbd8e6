/**
 * The `command_not_found` hook: `nsq tial` exits 2 (a usage error, as the README's table says)
 * with one line naming the nearest command, on a terminal or not. It replaces
 * @oclif/plugin-not-found, which exits 127 and, off a terminal, names no command at all.
 */
import {toConfiguredId, type Hook} from '@oclif/core'
import {closest} from './closest.js'
import {EXIT} from './exit-codes.js'

const hook: Hook.CommandNotFound = async function (options) {
  const visible = options.config.commands.filter((c) => !c.hidden)
  const ids = [...visible.map((c) => c.id), ...visible.flatMap((c) => c.aliases)]
  const shown = (id: string): string => toConfiguredId(id, options.config)
  const suggestion = closest(options.id, ids)
  const bin = options.config.bin
  this.error(
    `"${shown(options.id)}" is not an ${bin} command${suggestion === undefined ? '' : `: did you mean "${bin} ${shown(suggestion)}"?`} (${bin} help lists the commands)`,
    {exit: EXIT.USAGE},
  )
}

export default hook
