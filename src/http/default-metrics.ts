/**
 * The standard process and Node.js metrics (`process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`, …) under their usual,
 * unprefixed names, so common dashboards and alerts work unchanged.
 *
 * @module
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * Gauges prom-client names with a `_total` suffix, which Prometheus reserves for counters
 * (`promtool check metrics` rejects them). Each has a per-`type` gauge without the suffix
 * (`nodejs_active_handles{type}`) whose sum is the same number, so dropping them loses nothing.
 */
export const DROPPED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Registers prom-client's default metrics on `registry`, without {@link DROPPED_DEFAULT_METRICS}. */
export function registerDefaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_DEFAULT_METRICS) {
    if (registry.getSingleMetric(name) !== undefined) registry.removeSingleMetric(name);
  }
}
