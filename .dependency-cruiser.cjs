/**
 * The layering arrows of DESIGN.md §1, checked mechanically:
 * commands → cli → tools → core, and inside core: protocol is pure and imports
 * nothing of ours but itself and errors; connection sits on protocol; producer,
 * consumer and discovery sit on connection / http; http sits on protocol + errors.
 */
module.exports = {
  forbidden: [
    {name: 'no-circular', severity: 'error', from: {}, to: {circular: true}},
    {
      name: 'core-not-up',
      severity: 'error',
      comment: 'core/ never imports tools, cli or commands',
      from: {path: '^src/core/'},
      to: {path: '^src/(tools|cli|commands)/'},
    },
    {name: 'tools-not-up', severity: 'error', from: {path: '^src/tools/'}, to: {path: '^src/(cli|commands)/'}},
    {name: 'cli-not-up', severity: 'error', from: {path: '^src/cli/'}, to: {path: '^src/commands/'}},
    {
      name: 'protocol-is-pure',
      severity: 'error',
      comment: 'core/protocol: bytes and values only',
      from: {path: '^src/core/protocol/'},
      to: {pathNot: '^src/core/(protocol/|errors\\.ts$)', dependencyTypesNot: ['type-only']},
    },
    {
      name: 'protocol-no-io',
      severity: 'error',
      comment: 'core/protocol imports no node I/O modules',
      from: {path: '^src/core/protocol/'},
      to: {dependencyTypes: ['core'], pathNot: '^(node:)?buffer$'},
    },
    {
      name: 'connection-below-clients',
      severity: 'error',
      from: {path: '^src/core/connection/'},
      to: {path: '^src/core/(producer|consumer|discovery|http)/'},
    },
    {
      name: 'http-independent',
      severity: 'error',
      from: {path: '^src/core/http/'},
      to: {path: '^src/core/(producer|consumer|discovery|connection)/'},
    },
    {name: 'producer-not-consumer', severity: 'error', from: {path: '^src/core/producer/'}, to: {path: '^src/core/(consumer|discovery)/'}},
    {
      name: 'discovery-below-consumer',
      severity: 'error',
      from: {path: '^src/core/discovery/'},
      to: {path: '^src/core/(consumer|producer|connection)/'},
    },
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
    enhancedResolveOptions: {extensions: ['.ts', '.js']},
  },
}
