/**
 * How the bins load @oclif/core. On every start oclif's index checks that node satisfies oclif's
 * own `engines` range (>=18) with the `semver` package: 47 modules, ~17 ms of each start-up
 * (`require('@oclif/core')` 77–88 vs 61–67 ms, 5 runs each). Our package.json's range is the
 * stricter one (>=20.19), so the bins skip oclif's check (its OCLIF_DISABLE_ENGINE_WARNING, set
 * only while oclif loads, so no child process inherits it) and check ours here instead, without
 * semver, warning as oclif does.
 */
import {fileURLToPath} from 'node:url'
import {readPackage} from './fast-start.js'

const SKIP_OCLIF_ENGINE_CHECK = 'OCLIF_DISABLE_ENGINE_WARNING'

/** Imports @oclif/core without its engine check, after checking ours. */
export function loadOclif(): Promise<typeof import('@oclif/core')> {
  return withoutOclifEngineCheck(() => import('@oclif/core'))
}

/** A command's direct start (src/cli/direct-start.ts), whose bundle has oclif's index inlined. */
export interface DirectStart {
  run: (argv: string[], binUrl: string) => Promise<void>
}

/**
 * Loads dist/direct/<id>.cjs with its code cache (src/cli/code-cache.ts); oclif is inlined there,
 * so its engine check is skipped the same way.
 */
export async function loadDirectStart(id: string): Promise<DirectStart> {
  const file = fileURLToPath(new URL(`../direct/${id}.cjs`, import.meta.url))
  // Imported here, not at the top: the bins import this module on every start, also for
  // `--version`, which must not pay for node:crypto and node:vm.
  const {requireWithCodeCache} = await import('./code-cache.js')
  return withoutOclifEngineCheck(() => Promise.resolve(requireWithCodeCache(file).exports as DirectStart))
}

async function withoutOclifEngineCheck<T>(load: () => Promise<T>): Promise<T> {
  const warning = nodeEngineWarning(readPackage().engines?.node, process.versions.node)
  if (warning !== undefined) process.emitWarning(warning)
  const before = process.env[SKIP_OCLIF_ENGINE_CHECK]
  process.env[SKIP_OCLIF_ENGINE_CHECK] = '1'
  try {
    return await load()
  } finally {
    if (before === undefined) delete process.env[SKIP_OCLIF_ENGINE_CHECK]
    else process.env[SKIP_OCLIF_ENGINE_CHECK] = before
  }
}

/**
 * oclif's warning text when `version` is below a `>=MAJOR[.MINOR[.PATCH]]` range, else
 * undefined (also for a range of any other form, which this does not judge).
 */
export function nodeEngineWarning(range: string | undefined, version: string): string | undefined {
  const wanted = range === undefined ? null : /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range)
  const have = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
  if (wanted === null || have === null) return undefined
  const need = [wanted[1], wanted[2], wanted[3]].map((part) => Number(part ?? 0))
  const got = [have[1], have[2], have[3]].map(Number)
  for (let i = 0; i < 3; i++) {
    if ((got[i] as number) > (need[i] as number)) return undefined
    if ((got[i] as number) < (need[i] as number)) return `Node version must be ${range} to use this CLI. Current node version: ${version}`
  }
  return undefined
}
