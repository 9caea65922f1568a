/**
 * The matching budget: how much label-matching work the subscriptions may ask of each event.
 *
 * RE2 makes one regex linear in its input, but an event is matched against every live
 * subscription, so the work per event is a sum over subscriptions. Two bounds keep that sum small
 * whatever clients do, both checked when a subscription is made (the publish path stays free of
 * accounting):
 *
 * - **per connection**: the {@link CompiledFilter.cost} of all its subscriptions together (a
 *   literal matcher costs 1, a regex its RE2 program size) — refused with `400 invalid_filter`;
 * - **in total**: the cost of the *distinct* regexes of every live subscription. Identical regexes
 *   share one program that evaluates once per event (`regex.ts`), so a thousand dashboards with
 *   the same `pod=~"…"` count once — refused with `503 matcher_budget_exhausted`.
 *
 * The worst case per event is then about `total × value length` RE2 steps, measured in
 * docs/operations.md (_Bounds_).
 */

import { LivegateError } from '../errors.js';
import type { CompiledFilter } from './filter.js';

/** The two bounds of a {@link MatcherBudget}. */
export interface MatcherBudgetLimits {
  /** Most filter cost one connection's subscriptions may add up to. Defaults to 1,024. */
  readonly perConnection: number;
  /** Most cost of the distinct regexes of every live subscription together. Defaults to 4,096. */
  readonly total: number;
}

/** The defaults of {@link MatcherBudgetLimits}. */
export const DEFAULT_MATCHER_BUDGET: MatcherBudgetLimits = Object.freeze({ perConnection: 1024, total: 4096 });

/** Accounts the matching cost of live subscriptions; one per hub. */
export class MatcherBudget {
  private readonly limits: MatcherBudgetLimits;
  private readonly regexes = new Map<string, { cost: number; refs: number }>();
  private totalCost = 0;

  constructor(limits: Partial<MatcherBudgetLimits> = {}) {
    this.limits = { ...DEFAULT_MATCHER_BUDGET, ...limits };
    for (const key of ['perConnection', 'total'] as const) {
      const v = this.limits[key];
      if (!Number.isInteger(v) || v < 1) throw new TypeError(`MatcherBudget: ${key} must be an integer >= 1, got ${v}`);
    }
  }

  /** Cost of the distinct regexes of every live subscription. */
  get total(): number {
    return this.totalCost;
  }

  /**
   * Throws unless a subscription with `filter` fits: `connectionCost` is what the connection's
   * other subscriptions already cost.
   *
   * @throws {LivegateError} `invalid_filter` (field `match`) over the per-connection bound,
   *   `matcher_budget_exhausted` over the total.
   */
  check(connectionCost: number, filter: CompiledFilter): void {
    const after = connectionCost + filter.cost;
    if (after > this.limits.perConnection) {
      throw new LivegateError(
        'invalid_filter',
        `the matchers of this connection would cost ${after}; max ${this.limits.perConnection} ` +
          `(a literal matcher costs 1, a regex its RE2 program size; this filter costs ${filter.cost})`,
        { field: 'match' },
      );
    }
    let added = 0;
    for (const [key, cost] of filter.regexCosts) if (!this.regexes.has(key)) added += cost;
    if (added > 0 && this.totalCost + added > this.limits.total) {
      throw new LivegateError(
        'matcher_budget_exhausted',
        `the server's regex matching budget is spent (${this.totalCost} of ${this.limits.total}; ` +
          `this filter adds ${added}); use literal matchers or a regex already in use, or retry later`,
        { field: 'match' },
      );
    }
  }

  /** Counts a live subscription's filter (after {@link check}). */
  add(filter: CompiledFilter): void {
    for (const [key, cost] of filter.regexCosts) {
      const entry = this.regexes.get(key);
      if (entry !== undefined) entry.refs++;
      else {
        this.regexes.set(key, { cost, refs: 1 });
        this.totalCost += cost;
      }
    }
  }

  /** Uncounts a filter given to {@link add}. */
  remove(filter: CompiledFilter): void {
    for (const key of filter.regexCosts.keys()) {
      const entry = this.regexes.get(key);
      if (entry === undefined) continue;
      if (--entry.refs === 0) {
        this.regexes.delete(key);
        this.totalCost -= entry.cost;
      }
    }
  }
}
