/**
 * Prometheus metrics of metric streams: `livegate_metric_streams`, `livegate_metric_runners`,
 * `livegate_metric_queries_total{result}`, `livegate_metric_query_duration_seconds`.
 *
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RunnerObserver } from './query-runner.js';

/** Registers the four metrics on `registry`; gauges read their values from `counts` at scrape time. */
export function registerMetricStreamMetrics(
  registry: Registry,
  counts: { streams(): number; runners(): number },
): RunnerObserver {
  const registers = [registry];
  new Gauge({
    name: 'livegate_metric_streams',
    help: 'Open PromQL metric streams (SSE streams plus WebSocket metric subscriptions).',
    registers,
    collect() {
      this.set(counts.streams());
    },
  });
  new Gauge({
    name: 'livegate_metric_runners',
    help: 'Distinct running PromQL queries (normalized query, interval and tenant scope).',
    registers,
    collect() {
      this.set(counts.runners());
    },
  });
  const queries = new Counter({
    name: 'livegate_metric_queries_total',
    help: 'Prometheus queries run for metric streams, by result (success, error).',
    labelNames: ['result'],
    registers,
  });
  queries.inc({ result: 'success' }, 0);
  queries.inc({ result: 'error' }, 0);
  const duration = new Histogram({
    name: 'livegate_metric_query_duration_seconds',
    help: 'Time Prometheus took to answer a metric stream query.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  return {
    evaluated(result, seconds) {
      queries.inc({ result });
      duration.observe(seconds);
    },
  };
}
