/**
 * Rules every command must follow (cli-ux.md §4.4–4.5, DESIGN.md §4), checked on the command
 * classes themselves so a new command cannot forget them.
 */
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import type {Command} from '@oclif/core'

function commandFiles(dir: string): string[] {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? commandFiles(full) : entry.name.endsWith('.ts') ? [full] : []
  })
}

const files = commandFiles('src/commands')
const STREAMING = new Set(['tail', 'stat', 'stat/index'])

describe('every command', () => {
  it('there are commands to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(5)
  })

  for (const file of files) {
    const id = path.relative('src/commands', file).replace(/\.ts$/, '')
    it(`${id}: every arg sets ignoreStdin, help has examples, streams have no --json summary flag`, async () => {
      const {default: command} = (await import(path.resolve(file))) as {default: typeof Command}
      for (const [name, arg] of Object.entries(command.args ?? {})) {
        expect(
          (arg as {ignoreStdin?: boolean}).ignoreStdin,
          `${id}: arg ${name} must set ignoreStdin: true (oclif would read stdin to fill it)`,
        ).toBe(true)
      }
      expect(command.summary ?? command.description, `${id}: needs a summary`).toBeTruthy()
      expect((command.examples ?? []).length, `${id}: needs examples in --help`).toBeGreaterThan(0)
      if (STREAMING.has(id)) expect(command.enableJsonFlag, `${id} streams: --json must not be oclif's summary flag`).not.toBe(true)
    })
  }
})
