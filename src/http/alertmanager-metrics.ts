/**
 * Per-Alertmanager metrics of the watcher (`livegate_alertmanager_*{alertmanager}`), fed through the
 * {@link WatchTelemetry} interface the watcher is handed.
 *
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WatchPollReport, WatchTelemetry } from '../sources/alertmanager/watch-telemetry.js';

/** Buckets of the round duration: loopback answers in milliseconds, a slow one up to its timeout. */
const ROUND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Prometheus metrics of the watched Alertmanagers. */
export class AlertmanagerMetrics implements WatchTelemetry {
  readonly #requests: Counter<'alertmanager'>;
  readonly #errors: Counter<'alertmanager'>;
  readonly #lastSuccess: Gauge<'alertmanager'>;
  readonly #duration: Histogram<'alertmanager'>;

  /** Registers the metrics, with a zero series for each of `names` so they exist before the first round. */
  constructor(registry: Registry, names: readonly string[]) {
    const registers = [registry];
    const labelNames = ['alertmanager'] as const;
    this.#requests = new Counter({
      name: 'livegate_alertmanager_requests_total',
      help: 'API requests sent to each watched Alertmanager (GET /api/v2/alerts and /api/v2/silences).',
      labelNames,
      registers,
    });
    this.#errors = new Counter({
      name: 'livegate_alertmanager_errors_total',
      help: 'Requests to each watched Alertmanager that failed: no answer, an HTTP error, or not an API v2 answer.',
      labelNames,
      registers,
    });
    this.#lastSuccess = new Gauge({
      name: 'livegate_alertmanager_last_success_timestamp_seconds',
      help: 'Unix time of the last round in which both requests to the Alertmanager succeeded; 0 before the first.',
      labelNames,
      registers,
    });
    this.#duration = new Histogram({
      name: 'livegate_alertmanager_round_duration_seconds',
      help: "Duration of each watch round's poll of the Alertmanager (both requests, in parallel).",
      labelNames,
      buckets: ROUND_BUCKETS,
      registers,
    });
    for (const alertmanager of names) {
      this.#requests.inc({ alertmanager }, 0);
      this.#errors.inc({ alertmanager }, 0);
      this.#lastSuccess.set({ alertmanager }, 0);
      this.#duration.zero({ alertmanager });
    }
  }

  polled(report: WatchPollReport): void {
    const labels = { alertmanager: report.alertmanager };
    this.#requests.inc(labels, report.requests);
    if (report.errors > 0) this.#errors.inc(labels, report.errors);
    else this.#lastSuccess.set(labels, report.endedAt / 1000);
    this.#duration.observe(labels, report.durationSeconds);
  }
}
