/**
 * What the console source reports about each round, for the operator's metrics. The source is
 * handed an implementation (the HTTP layer's Prometheus metrics); it never imports one.
 *
 * @module
 */

/** One round of the console source. */
export interface ConsoleRoundReport {
  /** `console.cluster`. */
  readonly cluster: string;
  /** Platform requests made in the round. */
  readonly requests: number;
  /** Wall time of the round, in seconds. */
  readonly durationSeconds: number;
  /** Whether the round saw every topic and group (`false` when the budget cut it short). */
  readonly complete: boolean;
  /** Whether the round failed (an error from the platform mid-round). */
  readonly failed: boolean;
  /** Topics and groups published after the round. */
  readonly topics: number;
  readonly groups: number;
}

/** Receives a {@link ConsoleRoundReport} after every connected round. */
export interface ConsoleTelemetry {
  round(report: ConsoleRoundReport): void;
}
