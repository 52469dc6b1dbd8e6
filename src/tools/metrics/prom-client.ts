/**
 * prom-client, loaded on first use only: the commands that serve metrics (`stat --prometheus`,
 * `--metrics-address`) pay for importing it; every other start-up does not.
 */
export type PromClient = typeof import('prom-client')

let loading: Promise<PromClient> | undefined

export function loadPromClient(): Promise<PromClient> {
  loading ??= import('prom-client')
  return loading
}
