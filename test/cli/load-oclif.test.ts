import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {nodeEngineWarning} from '../../src/cli/load-oclif.js'

describe('the bins’ own node engine check (oclif’s semver check is skipped)', () => {
  it('warns below the range, as oclif words it, and not at or above it', () => {
    expect(nodeEngineWarning('>=20.19', '20.18.3')).toBe('Node version must be >=20.19 to use this CLI. Current node version: 20.18.3')
    expect(nodeEngineWarning('>=20.19', '18.20.0')).toMatch(/must be >=20\.19/)
    expect(nodeEngineWarning('>=20.19', '20.19.0')).toBeUndefined()
    expect(nodeEngineWarning('>=20.19', '20.20.2')).toBeUndefined()
    expect(nodeEngineWarning('>=20.19', '22.0.0')).toBeUndefined()
    expect(nodeEngineWarning('>=20.19.1', '20.19.0')).toMatch(/must be/)
    expect(nodeEngineWarning('>= 20', 'v19.9.9')).toMatch(/must be/)
  })

  it('leaves ranges of another form unjudged', () => {
    expect(nodeEngineWarning('^20 || ^22', '18.0.0')).toBeUndefined()
    expect(nodeEngineWarning(undefined, '18.0.0')).toBeUndefined()
  })

  it('understands the range package.json declares (so the check is not silently off)', () => {
    const range = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as {engines: {node: string}}).engines.node
    expect(nodeEngineWarning(range, '0.0.1')).toMatch(/must be/)
  })
})
