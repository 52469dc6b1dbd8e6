// undici's Agent by its module path: `import 'undici'` loads all of undici (fetch, WebSocket,
// caches, mocks: ~9 MiB more resident memory than the Agent alone), and to-http uses only the
// Agent's `dispatch`. The types are the package's own.
declare module 'undici/lib/dispatcher/agent.js' {
  import type {Agent} from 'undici'
  const AgentClass: typeof Agent
  export default AgentClass
}
