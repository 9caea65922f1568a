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

/**
 * How often the event-loop delay is sampled for `nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds`.
 * prom-client's default (10 ms) wakes the event loop 100 times a second for this alone, more often
 * than everything else an idle or lightly loaded server does; measured on the 2-core bench machine,
 * that timer cost 7.9 ms of CPU per second against 2.3 ms at 100 ms. Every lag of 100 ms or more
 * (the threshold of the `LivegateEventLoopLag` alert in docs/operations.md) still delays a sample.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** Registers prom-client's default metrics on `registry`, without {@link DROPPED_DEFAULT_METRICS}. */
export function registerDefaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  for (const name of DROPPED_DEFAULT_METRICS) {
    if (registry.getSingleMetric(name) !== undefined) registry.removeSingleMetric(name);
  }
}
