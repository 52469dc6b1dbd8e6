/**
 * `String.prototype.localeCompare` without ICU for the strings where that changes nothing.
 *
 * oclif sorts its command list with `localeCompare` every time it loads. The first collation
 * loads ICU's collation data: ~3 MiB of resident memory (node's own pages, measured with
 * /proc/PID/smaps) kept for the whole run of a streaming command whose memory bound is tight.
 * For strings made only of `a`–`z`, `-` and `:` (every command id) the root collation orders
 * exactly as their code units do (`-` before `:` before the letters), so those are compared
 * here; anything else, or a call with a locale or options, goes to the real localeCompare.
 */
const plain = /^[a-z:-]*$/

let installed = false

export function installAsciiLocaleCompare(): void {
  if (installed) return
  installed = true
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the receiver
  const original = String.prototype.localeCompare
  Object.defineProperty(String.prototype, 'localeCompare', {
    ...Object.getOwnPropertyDescriptor(String.prototype, 'localeCompare'),
    value: function localeCompare(this: string, that: string, ...rest: unknown[]): number {
      if (rest.length === 0 && typeof that === 'string' && plain.test(this) && plain.test(that))
        return this < that ? -1 : this > that ? 1 : 0
      return Reflect.apply(original, this, [that, ...rest]) as number
    },
  })
}
