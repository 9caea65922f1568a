/**
 * The payloads a metric stream carries, shared by SSE, WebSocket and the SDK.
 *
 * @module
 */
import type { PromQueryResult } from './prometheus-client.js';

/** One evaluation's answer: `metric-update` over SSE, `data` of a `metric-update` event over WS. */
export interface MetricUpdate {
  /** `vector`, `matrix`, `scalar` or `string`, as Prometheus answered. */
  readonly resultType: PromQueryResult['resultType'];
  /** Exactly as Prometheus returned it in `data.result`. */
  readonly result: unknown;
  /** Evaluation time (RFC 3339, millisecond precision); aligned on the interval for scheduled runs. */
  readonly evaluatedAt: string;
  /** How long Prometheus took to answer, in milliseconds. */
  readonly queryMs: number;
}

/** A failed evaluation: `error` over SSE. The stream stays open and the query is retried. */
export interface MetricError {
  /** `prometheus_unavailable` or `prometheus_query_failed` (see docs/api.md). */
  readonly code: string;
  readonly message: string;
}

/** Receives a runner's results. Implementations must not throw; a throw is logged and ignored. */
export interface MetricViewer {
  /** A new result. `json` is `JSON.stringify(update)`, computed once for all viewers. */
  update(update: MetricUpdate, json: string): void;
  /** A failed evaluation. `json` is `JSON.stringify(error)`. */
  error(error: MetricError, json: string): void;
}
