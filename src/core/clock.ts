/**
 * Monotonic time as the core reads it. The hub, its sessions and the timer wheel take a clock in
 * their options, so tests move time themselves instead of patching timers or sleeping.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock (like `performance.now()`); only differences matter. */
  now(): number;
}

/** The process's monotonic clock, `performance.now()`. */
export const systemClock: Clock = Object.freeze({ now: () => performance.now() });
