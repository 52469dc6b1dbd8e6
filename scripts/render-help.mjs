// Build step (after `oclif manifest`): renders oclif's help for every command, every topic and
// the root at oclif's default width (80 columns, no colour) into dist/help.json, which
// dist/cli/fast-start.js prints for `nsq <command> --help` without loading oclif when the
// terminal would get the same width. test/e2e/fast-start.e2e.test.ts checks they are identical.
import {readFileSync, writeFileSync} from 'node:fs'

// oclif reads the width once, when its screen module loads: set it before importing oclif.
process.env.OCLIF_COLUMNS = '80'
delete process.env.FORCE_COLOR
process.env.NSQ_DISABLE_THEME = '1'
const {Config, loadHelpClass} = await import('@oclif/core')

const root = new URL('..', import.meta.url)
const pjson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
const config = await Config.load(root.pathname)

// A fresh Config for each text: rendering one help leaves state behind in oclif's (a second
// `stat --help` in the same Config lost its COMMANDS section), so nothing is shared.
async function render(argv) {
  const fresh = await Config.load(root.pathname)
  const Help = await loadHelpClass(fresh)
  const help = new Help(fresh, fresh.pjson.oclif.helpOptions ?? fresh.pjson.helpOptions)
  const chunks = []
  const write = process.stdout.write
  process.stdout.write = (chunk, ...rest) => {
    chunks.push(String(chunk))
    const callback = rest.find((arg) => typeof arg === 'function')
    if (callback) callback()
    return true
  }
  try {
    await help.showHelp(argv)
  } finally {
    process.stdout.write = write
  }
  return chunks.join('')
}

const texts = {'': await render(['--help'])}
for (const id of [...config.topics.map((topic) => topic.name), ...config.commandIDs]) {
  if (config.findCommand(id)?.hidden) continue
  texts[id] = await render([...id.split(':'), '--help'])
}
writeFileSync(new URL('dist/help.json', root), JSON.stringify({version: pjson.version, width: 80, texts}))
console.log(`wrote ${Object.keys(texts).length} help texts to dist/help.json`)
