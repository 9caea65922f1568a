/**
 * One running query: evaluates a (scoped, normalized) PromQL query at every interval boundary of
 * the wall clock and fans each result out to all its viewers. N viewers cost one Prometheus query
 * per interval. Evaluations never overlap: a boundary reached while the previous query is still
 * running is skipped (and counted).
 *
 * @module
 */
import {
  metricErrorOf,
  replayLast,
  type LastOutcome,
  type MetricError,
  type MetricUpdate,
  type MetricViewer,
} from './metric-update.js';
import type { PrometheusDataSource } from './prometheus-client.js';

/** Wall clock in milliseconds; injected so tests can control it. */
export interface RunnerClock {
  now(): number;
}

/** Told about each evaluation (metrics). */
export interface RunnerObserver {
  evaluated(result: 'success' | 'error', seconds: number): void;
}

/** What identifies a runner; viewers with equal keys share one. */
export interface RunnerSpec {
  /** The user's query in canonical form (before scoping), for status pages. */
  readonly normalized: string;
  /** The text sent to Prometheus (scoped, canonical). */
  readonly query: string;
  /** Seconds between evaluations. */
  readonly interval: number;
  /** Canonical tenant scope (`namespace=a|b`, `*` for none). */
  readonly scope: string;
}

/** Status of one runner, as `GET /api/v1/metrics/stream/status` lists it. */
export interface RunnerStatus {
  readonly normalizedQuery: string;
  readonly query: string;
  readonly interval: number;
  readonly scope: string;
  readonly viewers: number;
  readonly since: string;
  readonly evaluations: number;
  readonly errors: number;
  readonly skipped: number;
  readonly lastEvaluatedAt: string | null;
  readonly lastDurationMs: number | null;
  readonly lastError: MetricError | null;
  /** Whether this node evaluates the query (always for a node alone; the lease holder in a cluster). */
  readonly evaluatedHere: boolean;
  /** In a cluster: results this node received from the holder over the query's channel. */
  readonly received?: number;
}

/** The runner of one {@link RunnerSpec}. Created and stopped by the registry. */
export class QueryRunner {
  private readonly viewerSet = new Set<MetricViewer>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inFlight = false;
  private last: LastOutcome = null;
  private readonly since: number;
  private evaluations = 0;
  private errors = 0;
  private skipped = 0;
  private lastEvaluatedAt: number | null = null;
  private lastDurationMs: number | null = null;
  private lastError: MetricError | null = null;

  constructor(
    readonly spec: RunnerSpec,
    private readonly source: PrometheusDataSource,
    private readonly clock: RunnerClock,
    private readonly observer: RunnerObserver,
    private readonly onViewerError: (err: unknown) => void,
  ) {
    this.since = clock.now();
  }

  /** Number of viewers. */
  get viewers(): number {
    return this.viewerSet.size;
  }

  /** Adds a viewer; it gets the last result at once if there is one. Idempotent. */
  add(viewer: MetricViewer): void {
    if (this.viewerSet.has(viewer)) return;
    this.viewerSet.add(viewer);
    const last = this.last;
    this.safely(() => replayLast(last, viewer));
  }

  /** Removes a viewer. Idempotent. */
  remove(viewer: MetricViewer): void {
    this.viewerSet.delete(viewer);
  }

  /** Runs one evaluation now (so the first viewer does not wait a whole interval), then on boundaries. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.evaluate(this.clock.now());
    this.schedule();
  }

  /** Stops evaluating; an evaluation in flight finishes without delivering. Idempotent. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  status(): RunnerStatus {
    return {
      normalizedQuery: this.spec.normalized,
      query: this.spec.query,
      interval: this.spec.interval,
      scope: this.spec.scope,
      viewers: this.viewerSet.size,
      since: new Date(this.since).toISOString(),
      evaluations: this.evaluations,
      errors: this.errors,
      skipped: this.skipped,
      lastEvaluatedAt: this.lastEvaluatedAt === null ? null : new Date(this.lastEvaluatedAt).toISOString(),
      lastDurationMs: this.lastDurationMs,
      lastError: this.lastError,
      evaluatedHere: true,
    };
  }

  /** Milliseconds from `now` to the next wall-clock multiple of the interval (never 0). */
  static untilBoundary(now: number, intervalSeconds: number): { at: number; delay: number } {
    const step = intervalSeconds * 1000;
    const at = Math.floor(now / step) * step + step;
    return { at, delay: at - now };
  }

  private schedule(): void {
    if (!this.running) return;
    const { at, delay } = QueryRunner.untilBoundary(this.clock.now(), this.spec.interval);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.running) return;
      // Timers may fire a little early or late; evaluate at the boundary itself so every viewer
      // and every runner of this interval sees the same evaluation timestamp.
      if (this.inFlight) this.skipped += 1;
      else void this.evaluate(at);
      this.schedule();
    }, delay);
    this.timer.unref?.();
  }

  private async evaluate(at: number): Promise<void> {
    this.inFlight = true;
    const started = performance.now();
    try {
      const answer = await this.source.query(this.spec.query, at / 1000);
      const queryMs = Math.round((performance.now() - started) * 1000) / 1000;
      this.record('success', queryMs, at);
      if (!this.running) return;
      const update: MetricUpdate = {
        resultType: answer.resultType,
        result: answer.result,
        evaluatedAt: new Date(at).toISOString(),
        queryMs,
      };
      const json = JSON.stringify(update);
      this.last = { kind: 'update', update, json };
      this.lastError = null;
      for (const viewer of this.viewerSet) this.safely(() => viewer.update(update, json));
    } catch (err) {
      const queryMs = performance.now() - started;
      this.record('error', queryMs, at);
      const error = metricErrorOf(err);
      this.errors += 1;
      this.lastError = error;
      if (!this.running) return;
      const json = JSON.stringify(error);
      this.last = { kind: 'error', error, json };
      for (const viewer of this.viewerSet) this.safely(() => viewer.error(error, json));
    } finally {
      this.inFlight = false;
    }
  }

  private record(result: 'success' | 'error', ms: number, at: number): void {
    this.evaluations += 1;
    this.lastEvaluatedAt = at;
    this.lastDurationMs = Math.round(ms * 1000) / 1000;
    this.observer.evaluated(result, ms / 1000);
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onViewerError(err);
    }
  }
}
