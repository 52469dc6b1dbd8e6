/** The one human byte formatter (summaries, progress lines, help): binary units, one decimal. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** Human size: `512 B`, `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`
}
