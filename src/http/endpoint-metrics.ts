/**
 * Request metrics of the push endpoints other systems call: the alert ingest
 * (`POST /api/v2/alerts`, `livegate_alert_ingest_*`) and the Alertmanager webhook
 * (`POST /api/v2/webhooks/alertmanager`, `livegate_alertmanager_webhook_*`).
 *
 * Counted in Fastify's `onResponse` hook, so requests refused before the handler runs (bad JSON,
 * body too large, wrong credentials) count as errors too.
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** One instrumented endpoint. */
export interface InstrumentedEndpoint {
  readonly method: 'POST';
  /** Route path as registered, e.g. `/api/v2/alerts`. */
  readonly path: string;
  /** Metric name prefix, e.g. `livegate_alert_ingest`. */
  readonly prefix: string;
  /** Words for the help texts, e.g. `alert ingest (POST /api/v2/alerts)`. */
  readonly what: string;
}

interface EndpointMetrics {
  readonly requests: Counter;
  readonly errors: Counter<'status'>;
  readonly lastSuccess: Gauge;
  readonly duration: Histogram;
}

/** Buckets of the request duration histograms: a request is a parse, a store update and an append. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Registers `<prefix>_requests_total`, `<prefix>_errors_total{status}`,
 * `<prefix>_last_success_timestamp_seconds` and `<prefix>_request_duration_seconds` for each
 * endpoint, and the hook that feeds them. Call before the routes are registered.
 */
export function instrumentEndpoints(
  app: FastifyInstance,
  registry: Registry,
  endpoints: readonly InstrumentedEndpoint[],
): void {
  if (endpoints.length === 0) return;
  const registers = [registry];
  const byRoute = new Map<string, EndpointMetrics>();
  for (const e of endpoints) {
    byRoute.set(`${e.method} ${e.path}`, {
      requests: new Counter({ name: `${e.prefix}_requests_total`, help: `Requests to the ${e.what}.`, registers }),
      errors: new Counter({
        name: `${e.prefix}_errors_total`,
        help: `Requests to the ${e.what} answered with an error, by HTTP status.`,
        labelNames: ['status'],
        registers,
      }),
      lastSuccess: new Gauge({
        name: `${e.prefix}_last_success_timestamp_seconds`,
        help: `Unix time of the last request to the ${e.what} answered with success; 0 before the first.`,
        registers,
      }),
      duration: new Histogram({
        name: `${e.prefix}_request_duration_seconds`,
        help: `Time to answer requests to the ${e.what}.`,
        buckets: DURATION_BUCKETS,
        registers,
      }),
    });
  }
  app.addHook('onResponse', (request, reply, done) => {
    const metrics = byRoute.get(`${request.method} ${request.routeOptions.url ?? ''}`);
    if (metrics !== undefined) {
      metrics.requests.inc();
      metrics.duration.observe(reply.elapsedTime / 1000);
      if (reply.statusCode < 400) metrics.lastSuccess.set(Date.now() / 1000);
      else metrics.errors.inc({ status: String(reply.statusCode) });
    }
    done();
  });
}
