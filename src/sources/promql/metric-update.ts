/**
 * The payloads a metric stream carries, shared by SSE, WebSocket and the SDK.
 *
 * @module
 */
import { errorData, LivegateError, type ErrorData } from '../../errors.js';
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

/**
 * A failed evaluation: `error` over SSE, `metric-error` over WebSocket, rendered by `errorData`
 * like every in-stream error (`prometheus_unavailable` or `prometheus_query_failed`, see
 * docs/api.md). The stream stays open and the query is retried.
 */
export type MetricError = ErrorData;

/** The {@link MetricError} of a failed evaluation: a catalogue error as it is, anything else `prometheus_unavailable`. */
export function metricErrorOf(err: unknown): MetricError {
  return errorData(
    err instanceof LivegateError
      ? err
      : new LivegateError('prometheus_unavailable', err instanceof Error ? err.message : String(err)),
  );
}

/** Receives a runner's results. Implementations must not throw; a throw is logged and ignored. */
export interface MetricViewer {
  /** A new result. `json` is `JSON.stringify(update)`, computed once for all viewers. */
  update(update: MetricUpdate, json: string): void;
  /** A failed evaluation. `json` is `JSON.stringify(error)`. */
  error(error: MetricError, json: string): void;
}

/** A runner's last outcome, replayed to a viewer that joins between two evaluations. */
export type LastOutcome =
  | { readonly kind: 'update'; readonly update: MetricUpdate; readonly json: string }
  | { readonly kind: 'error'; readonly error: MetricError; readonly json: string }
  | null;

/** Hands `last` to `viewer`; nothing when there is no outcome yet. */
export function replayLast(last: LastOutcome, viewer: MetricViewer): void {
  if (last?.kind === 'update') viewer.update(last.update, last.json);
  else if (last?.kind === 'error') viewer.error(last.error, last.json);
}
