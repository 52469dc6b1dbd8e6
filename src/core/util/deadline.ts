/**
 * An AbortSignal that aborts after `ms` (with a DOMException named `TimeoutError`, as
 * AbortSignal.timeout does) or when `parent` aborts (with its reason), whichever comes first.
 *
 * Built on a plain timer and controller on purpose: Node keeps AbortSignal.timeout() and the
 * sources of AbortSignal.any() only weakly, so once a garbage collection has run, a composite of
 * the two may never abort (measured: an HTTP request to a server that drips bytes hung forever
 * with a 2 s timeout when a GC ran meanwhile). Call `dispose()` when the work is done: it clears
 * the timer and the listener on `parent`.
 */
export function deadlineSignal(ms: number, parent?: AbortSignal): {signal: AbortSignal; dispose: () => void} {
  const controller = new AbortController()
  if (parent?.aborted === true) {
    controller.abort(parent.reason)
    return {signal: controller.signal, dispose: () => undefined}
  }
  const onParent = (): void => controller.abort(parent?.reason)
  parent?.addEventListener('abort', onParent, {once: true})
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms)
  const dispose = (): void => {
    clearTimeout(timer)
    parent?.removeEventListener('abort', onParent)
  }
  controller.signal.addEventListener('abort', dispose, {once: true})
  return {signal: controller.signal, dispose}
}
