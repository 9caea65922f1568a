/**
 * Metrics of the streaming console (`livegate_console_*{cluster}`), fed through the
 * {@link ConsoleTelemetry} interface the console source is handed.
 *
 * @module
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ConsoleRoundReport, ConsoleTelemetry } from '../sources/console/telemetry.js';

/** Round durations: a few ms on a small cluster, up to the time budget (half the interval). */
const ROUND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Prometheus metrics of the console. */
export class ConsoleMetrics implements ConsoleTelemetry {
  readonly #rounds: Counter<'cluster' | 'result'>;
  readonly #requests: Counter<'cluster'>;
  readonly #duration: Histogram<'cluster'>;
  readonly #topics: Gauge<'cluster'>;
  readonly #groups: Gauge<'cluster'>;

  /** Registers the metrics, with zero series for `cluster` so they exist before the first round. */
  constructor(registry: Registry, cluster: string) {
    const registers = [registry];
    this.#rounds = new Counter({
      name: 'livegate_console_rounds_total',
      help: 'Connected rounds of the console: complete (saw every topic and group), partial (the budget cut it short) or failed.',
      labelNames: ['cluster', 'result'],
      registers,
    });
    this.#requests = new Counter({
      name: 'livegate_console_requests_total',
      help: 'JetStream API requests made by the console rounds.',
      labelNames: ['cluster'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'livegate_console_round_duration_seconds',
      help: 'Duration of each connected console round.',
      labelNames: ['cluster'],
      buckets: ROUND_BUCKETS,
      registers,
    });
    this.#topics = new Gauge({
      name: 'livegate_console_topics',
      help: 'Topics (streams) the console publishes.',
      labelNames: ['cluster'],
      registers,
    });
    this.#groups = new Gauge({
      name: 'livegate_console_groups',
      help: 'Consumer groups (durable consumers) the console publishes.',
      labelNames: ['cluster'],
      registers,
    });
    for (const result of ['complete', 'partial', 'failed']) this.#rounds.inc({ cluster, result }, 0);
    this.#requests.inc({ cluster }, 0);
    this.#duration.zero({ cluster });
    this.#topics.set({ cluster }, 0);
    this.#groups.set({ cluster }, 0);
  }

  round(report: ConsoleRoundReport): void {
    const cluster = report.cluster;
    const result = report.failed ? 'failed' : report.complete ? 'complete' : 'partial';
    this.#rounds.inc({ cluster, result });
    this.#requests.inc({ cluster }, report.requests);
    this.#duration.observe({ cluster }, report.durationSeconds);
    this.#topics.set({ cluster }, report.topics);
    this.#groups.set({ cluster }, report.groups);
  }
}
