/**
 * An AbortSignal that aborts after `ms` (with a DOMException named `TimeoutError`, as
 * AbortSignal.timeout does) or when `parent` aborts (with its reason), whichever comes first.
 *
 * Built on a plain timer and controller on purpose: Node keeps AbortSignal.timeout() and the
 * sources of AbortSignal.any() only weakly, so once a garbage collection has run, a composite of
 * the two may never abort (measured: an HTTP request to a server that drips bytes hung forever
 * with a 2 s timeout when a GC ran meanwhile). The timer is unref'd. Call `dispose()` when the
 * work is done: it clears the timer and the listener on `parent`.
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
  // Unref'd like AbortSignal.timeout's: a deadline alone never keeps the process alive (the work
  // it guards does). The pending timer still holds its callback, so the controller is not collected.
  timer.unref()
  const dispose = (): void => {
    clearTimeout(timer)
    parent?.removeEventListener('abort', onParent)
  }
  controller.signal.addEventListener('abort', dispose, {once: true})
  return {signal: controller.signal, dispose}
}
