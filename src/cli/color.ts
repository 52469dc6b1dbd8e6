/**
 * The one colour rule (cli-ux.md §5.6): --color/--no-color, then NO_COLOR, then FORCE_COLOR,
 * then TERM=dumb, then whether that stream is a TTY. chalk does not honour NO_COLOR and
 * cli-table3 paints headers red by default, so both are set from here.
 */
import chalk, {chalkStderr} from 'chalk'
import {isTerminal} from './terminal.js'

export interface ColorInput {
  flag: boolean | undefined
  env: NodeJS.ProcessEnv
  isTTY: boolean
}

/** Whether to colour a stream. */
export function colorEnabled({flag, env, isTTY}: ColorInput): boolean {
  if (flag !== undefined) return flag
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR)
  if (env.TERM === 'dumb') return false
  return isTTY
}

/** Applies the rule to chalk (stdout) and chalkStderr; returns whether stdout is coloured. */
export function applyColor(flag: boolean | undefined): boolean {
  const out = colorEnabled({flag, env: process.env, isTTY: isTerminal(process.stdout)})
  const err = colorEnabled({flag, env: process.env, isTTY: isTerminal(process.stderr)})
  chalk.level = out ? (Math.max(chalk.level, 1) as 1 | 2 | 3) : 0
  chalkStderr.level = err ? (Math.max(chalkStderr.level, 1) as 1 | 2 | 3) : 0
  return out
}

/** cli-table3 style options that follow the rule (no red headers when colour is off). */
export function tableStyle(colored: boolean): {head: string[]; border: string[]} {
  return colored ? {head: ['cyan'], border: ['grey']} : {head: [], border: []}
}

/** Kept here for the commands that import it from the colour module; the test lives in terminal.ts. */
export {interactiveStderr} from './terminal.js'
