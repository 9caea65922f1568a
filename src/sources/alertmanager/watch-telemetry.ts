/**
 * What the Alertmanager watcher reports about each poll, for the operator's metrics. The watcher
 * is handed an implementation (the HTTP layer's Prometheus metrics); it never imports one.
 *
 * @module
 */

/** One Alertmanager's part of a watch round: both API requests, run in parallel. */
export interface WatchPollReport {
  /** The Alertmanager's configured name. */
  readonly alertmanager: string;
  /** Requests sent (alerts and silences). */
  readonly requests: number;
  /** Requests that failed: no answer, an HTTP error, or an answer that is not API v2. */
  readonly errors: number;
  /** Wall time of the poll, from the first request sent to the last answer read, in seconds. */
  readonly durationSeconds: number;
  /** When the poll ended, in epoch ms. */
  readonly endedAt: number;
}

/** Receives a {@link WatchPollReport} for every Alertmanager polled in a round. */
export interface WatchTelemetry {
  polled(report: WatchPollReport): void;
}

/** A {@link WatchTelemetry} that drops every report. */
export const NO_WATCH_TELEMETRY: WatchTelemetry = { polled() {} };
