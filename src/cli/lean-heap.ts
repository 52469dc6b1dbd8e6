/**
 * V8 settings for the long-running streaming commands (to-nsq, to-file, tail, relay, to-http),
 * set when such a command starts (no re-exec: these flags take effect at run time).
 *
 * Measured (bench/memory.ts, `nsq to-file` archiving 400,000 queued messages): the live heap
 * after a full GC stays at ~12 MiB, yet peak RSS reached 110–136 MiB. Under a high allocation
 * rate V8 grows the young generation to 16 MiB semi-spaces, every scavenge promotes the messages
 * still waiting for their fsync / their FIN, and the old generation is allowed to grow by its
 * default factor before a mark-compact collects them. `--optimize-for-size` lowers that growth
 * factor (and makes the optimizing compiler's choices favour memory); `--semi-space-growth-factor=1`
 * keeps the young generation at its initial size instead of doubling it. Together: peak 81–82 MiB
 * at 400k, flat with input size; the rate is unchanged, CPU time is 5–23 % higher (figures in
 * the README's memory section). NSQ_LEAN_HEAP=0 keeps V8's defaults (to compare, or if a
 * workload is found that these settings slow down).
 */
import v8 from 'node:v8'
import vm from 'node:vm'

/**
 * `size`: `--optimize-for-size` (heap growth and compiler choices). `keep-compiler`: the heap's
 * growth bounded by `--heap-growing-percent=10` and the optimizing compiler left as it is. For
 * to-http `--optimize-for-size` cost ~30 % of its rate (bench:compare to-http, side by side:
 * 17–21k vs 24–31k msg/s, peak 79–80 vs 82–83 MiB), for to-file nothing measurable, so to-http
 * keeps the compiler and the others take the smaller peak.
 */
export type LeanHeapMode = 'size' | 'keep-compiler'

let applied = false

export function leanHeap(mode: LeanHeapMode = 'size'): void {
  if (applied || process.env.NSQ_LEAN_HEAP === '0') return
  applied = true
  if (mode === 'size') v8.setFlagsFromString('--optimize-for-size')
  else v8.setFlagsFromString('--heap-growing-percent=10')
  v8.setFlagsFromString('--semi-space-growth-factor=1')
  // Loading the CLI has already grown the young generation; one full GC now lets V8 shrink it
  // back under the new settings (a few ms, once). `gc` is reachable only with --expose-gc,
  // which a new context picks up when set at run time.
  v8.setFlagsFromString('--expose-gc')
  ;(vm.runInNewContext('gc') as () => void)()
}

let sdkApplied = false

/**
 * For a lean-heap command about to load the AWS SDK (to-file --s3-bucket): V8's baseline
 * compiler (Sparkplug) off from then on. The SDK bundle is ~330 KB of code, and every upload
 * runs a good part of it (middleware, endpoint rules, signing, the schema-driven serde), so over
 * a long run hundreds of its functions get warm enough for baseline code, which with its
 * metadata grew the peak with the run's length. Without it those functions stay in the
 * interpreter until the optimizing compiler takes the hot ones, as before. Measured
 * (bench/memory.ts's to-file --gzip --s3-bucket, 400,000 messages, 6 runs each, alternating):
 * peak 77.4–78.8 vs 78.7–80.9 MiB, CPU time within the runs' spread; plain to-file (no SDK)
 * showed no difference, so only the SDK path sets it. Nothing when the lean heap is off
 * (NSQ_LEAN_HEAP=0, or a command without it).
 */
export function leanHeapForSdk(): void {
  if (!applied || sdkApplied) return
  sdkApplied = true
  v8.setFlagsFromString('--no-sparkplug')
}
