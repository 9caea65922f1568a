/**
 * Which transport to use next, as pure functions over an immutable selection state.
 *
 * The order is a preference (best first). A transport that fails to *connect* (refused, blocked by
 * a proxy, silent past the connect timeout) is marked failed and skipped, so the next one is tried
 * at once. A failed transport becomes eligible again after a re-probe delay that doubles with each
 * consecutive failure; while the client sits on a worse transport, {@link nextProbe} says when to
 * try the better one again. A connection that opened and later dropped is not a transport failure:
 * the same transport is chosen again.
 */
import type { TransportName } from './types.js';

/** One transport's record of consecutive connect failures. */
export interface FailureRecord {
  /** Time of the latest failure, ms. */
  readonly at: number;
  /** Consecutive failures, ≥ 1. */
  readonly count: number;
}

/** Selection state. Never mutated; every function returns a new one. */
export interface SelectionState {
  readonly order: readonly TransportName[];
  readonly failures: Readonly<Partial<Record<TransportName, FailureRecord>>>;
}

/** Re-probe timing. */
export interface ReprobePolicy {
  /** Delay after a first failure before the transport is tried again, ms. */
  readonly afterMs: number;
  /** Upper bound of the doubling delay, ms. */
  readonly maxMs: number;
}

/** The outcome of {@link chooseTransport}. */
export interface Choice {
  readonly transport: TransportName;
  /**
   * Every transport failed recently: this choice starts a new round from the best one, with the
   * failure records cleared. The caller should back off before it.
   */
  readonly roundExhausted: boolean;
  readonly state: SelectionState;
}

/** A fresh selection over `order` (best first, no duplicates, non-empty). */
export function createSelection(order: readonly TransportName[]): SelectionState {
  if (order.length === 0) throw new TypeError('transport order must name at least one transport');
  return { order: [...order], failures: {} };
}

/** Re-probe delay after `count` consecutive failures: `afterMs × 2^(count-1)`, capped at `maxMs`. */
export function reprobeDelay(count: number, policy: ReprobePolicy): number {
  return Math.min(policy.maxMs, policy.afterMs * 2 ** Math.min(Math.max(count - 1, 0), 30));
}

/** When a failed transport may be tried again, or `-Infinity` when it has not failed. */
export function eligibleAt(state: SelectionState, name: TransportName, policy: ReprobePolicy): number {
  const record = state.failures[name];
  return record === undefined ? -Infinity : record.at + reprobeDelay(record.count, policy);
}

/** Records that `name` failed to connect at `now`. */
export function recordFailure(state: SelectionState, name: TransportName, now: number): SelectionState {
  const previous = state.failures[name];
  return {
    order: state.order,
    failures: { ...state.failures, [name]: { at: now, count: (previous?.count ?? 0) + 1 } },
  };
}

/** Records that `name` connected: its failures are forgotten. */
export function recordSuccess(state: SelectionState, name: TransportName): SelectionState {
  if (state.failures[name] === undefined) return state;
  const failures = { ...state.failures };
  delete failures[name];
  return { order: state.order, failures };
}

/**
 * The transport for the next connection attempt: the best one that has not failed or whose
 * re-probe delay has passed. When none qualifies, a new round starts from the best transport.
 */
export function chooseTransport(state: SelectionState, now: number, policy: ReprobePolicy): Choice {
  for (const name of state.order) {
    if (eligibleAt(state, name, policy) <= now) return { transport: name, roundExhausted: false, state };
  }
  return { transport: state.order[0]!, roundExhausted: true, state: { order: state.order, failures: {} } };
}

/**
 * While connected with `current`, the better transport to re-probe and when: the earliest time
 * one ranked above `current` becomes eligible. `null` when `current` is already the best.
 */
export function nextProbe(
  state: SelectionState,
  current: TransportName,
  policy: ReprobePolicy,
): { transport: TransportName; at: number } | null {
  let best: { transport: TransportName; at: number } | null = null;
  for (const name of state.order) {
    if (name === current) break;
    const at = eligibleAt(state, name, policy);
    if (best === null || at < best.at) best = { transport: name, at };
  }
  return best;
}
