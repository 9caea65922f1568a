/**
 * From what a viewer asked to what a runner runs: parse (`400 invalid_promql`), scope to the
 * tenant (`403 promql_forbidden`), print canonically, and validate the interval.
 *
 * @module
 */
import { LivegateError } from '../../errors.js';
import { parsePromql } from './parse.js';
import { printPromql } from './print.js';
import type { RunnerSpec } from './query-runner.js';
import { scopeKey, scopeQuery, type TenantScope } from './tenancy.js';

/** Interval bounds and default, in seconds (the requirement's values). */
export const INTERVAL = { min: 5, max: 300, default: 15 } as const;

/**
 * Compiles a query for `scope` (`null`: unscoped) into a runner spec. Throws `invalid_promql` or
 * `promql_forbidden` as a `LivegateError` with field `query`.
 */
export function compileMetricQuery(query: string, interval: number, scope: TenantScope | null): RunnerSpec {
  const expr = parsePromql(query);
  const normalized = printPromql(expr);
  const scoped = scope === null ? normalized : printPromql(scopeQuery(expr, scope));
  return { normalized, query: scoped, interval, scope: scopeKey(scope) };
}

/**
 * Reads `interval` (seconds, a whole number from 5 to 300; absent means 15). Throws `invalid_param`
 * with field `interval` otherwise.
 */
export function parseInterval(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return INTERVAL.default;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < INTERVAL.min || value > INTERVAL.max) {
    throw new LivegateError(
      'invalid_param',
      `interval must be a whole number of seconds from ${INTERVAL.min} to ${INTERVAL.max}, got ${JSON.stringify(raw)}`,
      { field: 'interval' },
    );
  }
  return value;
}
