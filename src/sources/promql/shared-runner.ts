/**
 * One metric query per cluster: on the Redis bus, the viewers of a query on every node share one
 * evaluation. The node holding the query's lease runs the {@link QueryRunner} and broadcasts each
 * result on the query's cluster channel; every node with viewers of the query (the holder too)
 * hands what arrives on the channel to its own viewers. Only nodes with viewers compete for the
 * lease, so when the holder's last viewer leaves it gives the lease up and another node with
 * viewers takes over at once (or within the lease when the holder dies).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { ClusterServices } from '../../core/cluster.js';
import type { Lease } from '../../core/lease.js';
import {
  replayLast,
  type LastOutcome,
  type MetricError,
  type MetricUpdate,
  type MetricViewer,
} from './metric-update.js';
import type { QueryRunner, RunnerSpec, RunnerStatus } from './query-runner.js';

/** What the registry needs of a runner, local or shared. */
export interface Runner {
  readonly viewers: number;
  add(viewer: MetricViewer): void;
  remove(viewer: MetricViewer): void;
  start(): void;
  stop(): void;
  status(): RunnerStatus;
}

/**
 * Messages on a query's channel: `u<update json>`, `e<error json>`, or `w` (a node that just
 * joined asks the holder to send its last result again, so its first viewer does not wait a
 * whole interval).
 */
const UPDATE = 'u';
const ERROR = 'e';
const WANT = 'w';

/** Name of a query's lease and channel: a digest of what makes two viewers share a runner. */
export function sharedRunnerName(key: string): string {
  return `promql:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** See the module comment. */
export class SharedRunner implements Runner {
  private readonly viewerSet = new Set<MetricViewer>();
  private readonly name: string;
  private lease: Lease | null = null;
  private unsubscribe: (() => void) | null = null;
  private unwatch: (() => void) | null = null;
  private local: QueryRunner | null = null;
  /** The last message sent while leading, for a node that asks (`w`). */
  private lastSent: string | null = null;
  private last: LastOutcome = null;
  private received = 0;
  private errors = 0;
  private readonly since = Date.now();

  constructor(
    private readonly spec: RunnerSpec,
    key: string,
    private readonly cluster: ClusterServices,
    private readonly makeLocal: () => QueryRunner,
    private readonly onError: (err: unknown) => void,
  ) {
    this.name = sharedRunnerName(key);
  }

  get viewers(): number {
    return this.viewerSet.size;
  }

  /** Whether this node evaluates the query now. */
  get evaluating(): boolean {
    return this.local !== null;
  }

  add(viewer: MetricViewer): void {
    if (this.viewerSet.has(viewer)) return;
    this.viewerSet.add(viewer);
    const last = this.last;
    this.safely(() => replayLast(last, viewer));
  }

  remove(viewer: MetricViewer): void {
    this.viewerSet.delete(viewer);
  }

  start(): void {
    if (this.lease !== null) return;
    this.unsubscribe = this.cluster.channel.subscribe(this.name, (message) => this.receive(message));
    const lease = this.cluster.lease(this.name);
    this.lease = lease;
    this.unwatch = lease.onChange((held) => (held ? this.lead() : this.follow()));
    lease.start().catch((err: unknown) => this.onError(err));
    this.cluster.channel.publish(this.name, WANT);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unwatch?.();
    this.unsubscribe = this.unwatch = null;
    this.follow();
    this.lease?.stop().catch((err: unknown) => this.onError(err));
    this.lease = null;
  }

  status(): RunnerStatus {
    const local = this.local?.status();
    const lastUpdate = this.last?.kind === 'update' ? this.last.update : null;
    return {
      normalizedQuery: this.spec.normalized,
      query: this.spec.query,
      interval: this.spec.interval,
      scope: this.spec.scope,
      viewers: this.viewerSet.size,
      since: local?.since ?? new Date(this.since).toISOString(),
      evaluations: local?.evaluations ?? 0,
      errors: local?.errors ?? this.errors,
      skipped: local?.skipped ?? 0,
      lastEvaluatedAt: local?.lastEvaluatedAt ?? lastUpdate?.evaluatedAt ?? null,
      lastDurationMs: local?.lastDurationMs ?? lastUpdate?.queryMs ?? null,
      lastError: local?.lastError ?? (this.last?.kind === 'error' ? this.last.error : null),
      evaluatedHere: this.local !== null,
      received: this.received,
    };
  }

  /** Took the lease: evaluate here and broadcast every result. */
  private lead(): void {
    if (this.local !== null) return;
    const local = this.makeLocal();
    const broadcast = (message: string): void => {
      this.lastSent = message;
      this.cluster.channel.publish(this.name, message);
    };
    local.add({
      update: (_update, json) => broadcast(UPDATE + json),
      error: (_error, json) => broadcast(ERROR + json),
    });
    this.local = local;
    local.start();
  }

  /** Lost or gave up the lease: stop evaluating; results now come from the new holder. */
  private follow(): void {
    this.local?.stop();
    this.local = null;
    this.lastSent = null;
  }

  private receive(message: string): void {
    const kind = message[0];
    if (kind === WANT) {
      if (this.lastSent !== null) this.cluster.channel.publish(this.name, this.lastSent);
      return;
    }
    const json = message.slice(1);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      this.onError(err);
      return;
    }
    this.received++;
    if (kind === UPDATE) {
      const update = parsed as MetricUpdate;
      // A repeat (sent again for a node that asked) is not news for viewers that have it.
      if (this.last?.kind === 'update' && this.last.json === json) return;
      this.last = { kind: 'update', update, json };
      for (const viewer of this.viewerSet) this.safely(() => viewer.update(update, json));
    } else if (kind === ERROR) {
      const error = parsed as MetricError;
      this.errors++;
      this.last = { kind: 'error', error, json };
      for (const viewer of this.viewerSet) this.safely(() => viewer.error(error, json));
    }
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }
}
