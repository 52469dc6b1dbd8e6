import {spawnSync} from 'node:child_process'
import path from 'node:path'

/** A metric family as the official Python client's text parser read it. */
export interface Family {
  name: string
  type: string
  documentation: string
  samples: {name: string; labels: Record<string, string>; value: number | string}[]
}

/**
 * Parses Prometheus text with `prometheus_client.parser` (PyPI, pinned; the venv comes from
 * scripts/ensure-python-prom.mjs through PROM_PYTHON, set by the global setup). Throws with the
 * parser's error when it rejects the text.
 */
export function parsePrometheus(text: string): Family[] {
  const python = process.env.PROM_PYTHON
  if (!python) throw new Error('PROM_PYTHON is not set: the global setup provides it (scripts/ensure-python-prom.mjs)')
  const run = spawnSync(python, [path.resolve('test/support/prom_parse.py')], {input: text, encoding: 'utf8'})
  if (run.status !== 0) throw new Error(`prometheus_client rejected the text: ${run.stderr}\n--- text ---\n${text}`)
  return JSON.parse(run.stdout) as Family[]
}

/** GET http://address/metrics and parse it. */
export async function scrape(address: string): Promise<{text: string; families: Family[]; contentType: string | null}> {
  const response = await fetch(`http://${address}/metrics`, {signal: AbortSignal.timeout(20_000)})
  if (!response.ok) throw new Error(`GET /metrics: HTTP ${response.status}: ${await response.text()}`)
  const text = await response.text()
  return {text, families: parsePrometheus(text), contentType: response.headers.get('content-type')}
}

/** The value of the one sample named `name` whose labels include `labels` (undefined when none). */
export function sampleValue(families: readonly Family[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = families
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (matches.length > 1) throw new Error(`${matches.length} samples ${name} match ${JSON.stringify(labels)}`)
  const value = matches[0]?.value
  return value === undefined ? undefined : Number(value)
}

/** Every sample named `name`. */
export function samples(families: readonly Family[], name: string): Family['samples'] {
  return families.flatMap((f) => f.samples).filter((s) => s.name === name)
}
