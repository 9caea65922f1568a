/**
 * Reconnect delays: exponential growth with full jitter, as a pure function. Jitter spreads the
 * reconnects of thousands of dashboards after a server restart over the whole window instead of
 * letting them arrive in waves.
 */

/** Backoff bounds. */
export interface BackoffBounds {
  /** Smallest delay, ms. */
  readonly minMs: number;
  /** Largest delay, ms (a server's Retry-After may exceed it). */
  readonly maxMs: number;
}

/** Exponent cap: 2^31 × any sane minimum is already far above any maximum. */
const MAX_EXPONENT = 31;

/**
 * The delay before reconnect attempt number `attempt` (0 for the first retry): uniform in
 * `[minMs, min(maxMs, minMs × 2^(attempt+1))]`, so even the first retry is jittered.
 *
 * `notBeforeMs` is a floor the server asked for (`Retry-After`, `shutdown.retryMs`). The jittered
 * delay is added on top of it rather than clamped to it: clamping would send every client back at
 * the very same instant.
 *
 * `random` returns a number in [0, 1); injectable for tests.
 */
export function backoffDelay(
  attempt: number,
  bounds: BackoffBounds,
  random: () => number = Math.random,
  notBeforeMs = 0,
): number {
  const step = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  const ceiling = Math.min(bounds.maxMs, bounds.minMs * 2 ** (step + 1));
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = Math.round(bounds.minMs + r * Math.max(0, ceiling - bounds.minMs));
  if (notBeforeMs > 0) return Math.round(notBeforeMs) + jittered;
  return jittered;
}
