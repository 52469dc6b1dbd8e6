/**
 * The commands scripts/bundle-commands.mjs bundles (`relay`: its start-up counts in its speed
 * target) are one module each in the built CLI: dist/commands/relay.js imports Node's modules and
 * packages only, none of our files, and defines the command the source does. The direct start
 * (dist/direct/relay.cjs, src/cli/direct-start.ts) has oclif inlined too: it requires neither our
 * files nor @oclif/core, only node's modules and the packages loaded lazily or never on its path.
 */
import fs from 'node:fs'
import {builtinModules, createRequire} from 'node:module'
import {describe, expect, it} from 'vitest'
import Relay from '../../src/commands/relay.js'

const BUNDLED = {relay: Relay}

/** The specifiers a built file imports, statically or with import(). */
function specifiers(text: string): string[] {
  const found = new Set<string>()
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gm)) found.add(match[1] as string)
  for (const match of text.matchAll(/^\s*import\s+"([^"]+)"/gm)) found.add(match[1] as string)
  for (const match of text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) found.add(match[1] as string)
  return [...found]
}

describe('bundled commands', () => {
  for (const [id, source] of Object.entries(BUNDLED)) {
    it(`dist/commands/${id}.js is one bundle: packages and node: modules only, the same flags as the source`, async () => {
      const text = fs.readFileSync(`dist/commands/${id}.js`, 'utf8')
      expect(text.startsWith('// bundled by scripts/bundle-commands.mjs')).toBe(true)
      const imports = specifiers(text)
      expect(imports).toContain('@oclif/core')
      const ours = imports.filter((s) => s.startsWith('.') || s.startsWith('/'))
      expect(ours).toEqual([])
      const packages = new Set(
        Object.keys((JSON.parse(fs.readFileSync('package.json', 'utf8')) as {dependencies: Record<string, string>}).dependencies),
      )
      for (const s of imports) expect(s.startsWith('node:') || builtinModules.includes(s) || packages.has(s), s).toBe(true)
      const built = (await import(`../../dist/commands/${id}.js`)) as {default: typeof source}
      expect(Object.keys(built.default.flags).sort()).toEqual(Object.keys(source.flags).sort())
      expect(built.default.summary).toBe(source.summary)
    })
  }
})

describe('direct starts', () => {
  // Packages the direct bundle may leave as requires (scripts/bundle-commands.mjs says why).
  const lazy = ['snappy', 'prom-client', 'undici', 'semver', 'typescript', 'picomatch']
  for (const id of ['relay']) {
    it(`dist/direct/${id}.cjs is one CommonJS bundle with oclif inlined, exporting run()`, () => {
      const text = fs.readFileSync(`dist/direct/${id}.cjs`, 'utf8')
      expect(text.startsWith('// direct start bundled by scripts/bundle-commands.mjs')).toBe(true)
      const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1] as string)
      expect(required).toContain('node:url')
      expect(required).not.toContain('@oclif/core')
      for (const s of required) {
        const allowed = s.startsWith('node:') || builtinModules.includes(s) || lazy.includes(s) || s.startsWith('@aws-sdk/')
        expect(allowed, s).toBe(true)
      }
      // No import() left: a script compiled by node:vm could not run it.
      expect(specifiers(text)).toEqual([])
      // oclif's own code is in it (its Config class), not required.
      expect(text).toContain('Config.load(')
      const built = createRequire(import.meta.url)(`../../dist/direct/${id}.cjs`) as {run: unknown}
      expect(typeof built.run).toBe('function')
    })
  }
})
