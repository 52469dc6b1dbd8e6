/**
 * `--metrics-address` for the long-running commands: the flag, and opening the endpoint. The
 * metrics code (and prom-client) is imported only when the flag is given, so no other start-up
 * pays for it.
 */
import {Flags} from '@oclif/core'
import type {CommandMetrics} from '../tools/metrics/command-metrics.js'

export const metricsFlags = {
  'metrics-address': Flags.string({
    summary: 'serve Prometheus metrics of this run on http://ADDRESS/metrics (PORT or HOST:PORT; a bare port is 127.0.0.1)',
    helpValue: '<address>',
    helpGroup: 'METRICS',
  }),
}

/** Starts the endpoint when `--metrics-address` was given (and says where on stderr); undefined otherwise. */
export async function openMetrics(
  address: string | undefined,
  command: string,
  say: (line: string) => void,
): Promise<CommandMetrics | undefined> {
  if (address === undefined) return undefined
  const {CommandMetrics} = await import('../tools/metrics/command-metrics.js')
  const metrics = await CommandMetrics.open(address, command)
  say(`serving Prometheus metrics on http://${metrics.address}/metrics`)
  return metrics
}
