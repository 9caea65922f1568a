/**
 * The open metric streams of one server: the `metrics.maxStreams` bound, the admin status list,
 * closing by connection id, and the `metrics.inactivityTimeoutMs` cut-off for streams whose writes
 * stay blocked.
 *
 * @module
 */
import { LivegateError } from '../../errors.js';
import type { SourceStream } from '../source.js';
import type { MetricError, MetricUpdate, MetricViewer } from './metric-update.js';
import type { RunnerMembership } from './runner-registry.js';
import type { RunnerSpec } from './query-runner.js';

/** One open metric stream (an SSE stream or a WebSocket `metrics` subscription). */
export class MetricStream implements MetricViewer {
  readonly since = new Date().toISOString();
  lastUpdate: string | null = null;
  updates = 0;
  errors = 0;
  membership: RunnerMembership | null = null;

  constructor(
    readonly stream: SourceStream,
    readonly spec: RunnerSpec,
  ) {}

  update(update: MetricUpdate, json: string): void {
    this.lastUpdate = update.evaluatedAt;
    this.updates += 1;
    this.stream.sendJson('metric-update', json);
  }

  error(error: MetricError, json: string): void {
    this.errors += 1;
    // SSE: the issue's `error` event. WebSocket: `metric-error`, because an `error` op there is
    // the answer to a refused request and the subscription lives on.
    this.stream.sendJson(this.stream.subscription === undefined ? 'error' : 'metric-error', json);
  }

  /** How long (ms on the hub clock) the stream's writes have been blocked at `now`; 0 if not. */
  blockedFor(now: number): number {
    const since = this.stream.blockedSince;
    return since === null ? 0 : now - since;
  }

  /** Status entry for `GET /api/v1/metrics/stream/status`. */
  status(): MetricStreamStatus {
    return {
      connection_id: this.stream.connection,
      subscription: this.stream.subscription ?? null,
      principal: this.stream.principal.id,
      query: this.spec.normalized,
      interval: this.spec.interval,
      scope: this.spec.scope,
      since: this.since,
      lastUpdate: this.lastUpdate,
      updates: this.updates,
      errors: this.errors,
    };
  }
}

/** One stream in the admin status. */
export interface MetricStreamStatus {
  readonly connection_id: string;
  readonly subscription: string | null;
  readonly principal: string;
  readonly query: string;
  readonly interval: number;
  readonly scope: string;
  readonly since: string;
  readonly lastUpdate: string | null;
  readonly updates: number;
  readonly errors: number;
}

/** All open metric streams. */
export class StreamBook {
  private readonly streams = new Set<MetricStream>();

  constructor(private readonly maxStreams: number) {}

  get size(): number {
    return this.streams.size;
  }

  /** Throws `too_many_metric_streams` (503, with `Retry-After`) when `metrics.maxStreams` are open. */
  checkCapacity(): void {
    if (this.streams.size >= this.maxStreams) {
      throw new LivegateError(
        'too_many_metric_streams',
        `at most ${this.maxStreams} metric streams may be open (metrics.maxStreams); retry later`,
      );
    }
  }

  has(stream: MetricStream): boolean {
    return this.streams.has(stream);
  }

  add(stream: MetricStream): void {
    this.streams.add(stream);
  }

  /** Forgets a stream and leaves its runner. Idempotent. */
  remove(stream: MetricStream): void {
    this.streams.delete(stream);
    stream.membership?.leave();
  }

  /** Streams of one connection (one for SSE, any number of subscriptions for WebSocket). */
  byConnection(connection: string): MetricStream[] {
    return [...this.streams].filter((s) => s.stream.connection === connection);
  }

  list(): MetricStream[] {
    return [...this.streams];
  }
}
