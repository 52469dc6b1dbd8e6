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
 * the README's memory section). NSQ_LEAN_HEAP=0 keeps V8's defaults; NSQ_LEAN_HEAP=size or keep-compiler picks a mode (to compare, or if a
 * workload is found that these settings slow down).
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import {envSwitch} from './fast-start.js'

/**
 * `size`: `--optimize-for-size` (heap growth and compiler choices) and a young generation kept at
 * its initial 1 MiB semi-spaces. `keep-compiler`: the old generation's growth bounded by
 * `--heap-growing-percent=10`, the optimizing compiler left as it is, the small young generation.
 * `throughput`: as keep-compiler but the young generation may grow while the CLI loads (to 8 MiB,
 * then held there): for the relay, whose allocation rate is the highest, the small young
 * generation plus --optimize-for-size cost 55 % more CPU per message (7.5 vs 11.7 µs, side by
 * side, 200,000 messages) for 7 MiB of peak.
 */
export type LeanHeapMode = 'size' | 'keep-compiler' | 'throughput'

/** The commands whose mode is `throughput` (read before oclif loads, when only argv is known). */
export const YOUNG_GENERATION_GROWS: ReadonlySet<string> = new Set(['relay'])

let applied = false

const forcedMode = (): LeanHeapMode | undefined => {
  const setting = process.env.NSQ_LEAN_HEAP
  return setting === 'size' || setting === 'keep-compiler' || setting === 'throughput' ? setting : undefined
}

/**
 * Called by the bins before oclif loads, with the command id: unless the command's mode is
 * `throughput`, the young generation stays at its initial size from the start. Set only once a
 * streaming command starts, it would already have grown to 8 MiB while the CLI loaded, and no GC
 * that JavaScript can ask for shrinks it back (V8 does that only in its memory-reducing GCs, which
 * run when the process is idle). Measured: new space 2 instead of 8 MiB, to-file's peak 74 → 71
 * MiB; start-up unchanged within noise (`nsq tail -n 1`, 8 runs each).
 */
export function smallYoungGeneration(command: string | undefined): void {
  if (process.env.NSQ_LEAN_HEAP === '0') return
  const forced = forcedMode()
  if (forced === 'throughput' || (forced === undefined && command !== undefined && YOUNG_GENERATION_GROWS.has(command))) return
  v8.setFlagsFromString('--semi-space-growth-factor=1')
}

export function leanHeap(wanted: LeanHeapMode = 'size'): void {
  if (applied || process.env.NSQ_LEAN_HEAP === '0') return
  // The build's run that writes a direct start's code cache (scripts/bundle-commands.mjs): V8's
  // flags must stay as they were when the bundle loaded, or V8 would reject the cache later.
  if (envSwitch('NSQ_WRITE_CODE_CACHE')) return
  applied = true
  // NSQ_LEAN_HEAP=size / keep-compiler / throughput picks the mode for any command (to compare).
  const mode = forcedMode() ?? wanted
  if (mode === 'size') v8.setFlagsFromString('--optimize-for-size')
  else v8.setFlagsFromString('--heap-growing-percent=10')
  // Holds the young generation where it is (1 MiB semi-spaces, or 8 MiB for `throughput`).
  v8.setFlagsFromString('--semi-space-growth-factor=1')
  // One full GC now collects what loading the CLI left behind, so the old generation's next
  // limit starts from what is live (a few ms, once). `gc` is reachable only with --expose-gc,
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
