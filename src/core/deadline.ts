/** A signal that ends at a deadline or with its parent, and the way to drop its timer. */
export interface Deadline {
  /** Aborts when the parent aborts (with its reason) or after the time (a `TimeoutError`). */
  readonly signal: AbortSignal;
  /** Stops the timer and lets go of the parent; call it once the work is done. */
  clear(): void;
}

/**
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, done with a plain timer. On Node 20 a
 * timeout signal that only a composite signal refers to can be garbage-collected before it fires
 * (nodejs/node#57736), and then the composite never aborts: a Redis bus start on a cluster that
 * never became ready hung past its `startTimeoutMs` (CI, `redis-cluster.test.ts`, 2026-12-01).
 * Here the timer holds the controller, so the deadline fires whatever the collector does.
 */
export function deadline(parent: AbortSignal, ms: number): Deadline {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent.reason);
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms);
  // Like AbortSignal.timeout: a pending deadline does not keep the process alive by itself.
  timer.unref();
  const clear = (): void => {
    clearTimeout(timer);
    parent.removeEventListener('abort', onAbort);
  };
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  controller.signal.addEventListener('abort', clear, { once: true });
  return { signal: controller.signal, clear };
}
