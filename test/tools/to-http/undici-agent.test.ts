import {describe, expect, it} from 'vitest'
import AgentByPath from 'undici/lib/dispatcher/agent.js'

describe("undici's Agent by its module path (http-sink.ts imports only it)", () => {
  it('is the same class the package exports, with dispatch (guards an undici upgrade that moves it)', async () => {
    const undici = await import('undici')
    expect(AgentByPath).toBe(undici.Agent)
    expect(typeof AgentByPath.prototype.dispatch).toBe('function')
  })
})
