/**
 * Shares runners between viewers: streams with the same normalized query, interval and tenant
 * scope join one {@link QueryRunner}. The first viewer starts it, the last one leaving stops it.
 * This is the demand signal for metric streams: no viewer, no Prometheus query.
 *
 * @module
 */
import type { ClusterServices } from '../../core/cluster.js';
import type { MetricViewer } from './metric-update.js';
import type { PrometheusDataSource } from './prometheus-client.js';
import {
  QueryRunner,
  type RunnerClock,
  type RunnerObserver,
  type RunnerSpec,
  type RunnerStatus,
} from './query-runner.js';
import { SharedRunner, type Runner } from './shared-runner.js';

/** Options of {@link RunnerRegistry}. */
export interface RunnerRegistryOptions {
  readonly source: PrometheusDataSource;
  /** Defaults to `Date`. */
  readonly clock?: RunnerClock;
  /** Defaults to ignoring evaluations. */
  readonly observer?: RunnerObserver;
  /** Called when a viewer throws while receiving a result. Defaults to ignoring it. */
  readonly onViewerError?: (err: unknown) => void;
}

export type { Runner } from './shared-runner.js';

/** A viewer's membership; `leave()` is idempotent. */
export interface RunnerMembership {
  readonly runner: Runner;
  leave(): void;
}

/** Key of a spec: what must be equal for two viewers to share a runner. */
export function runnerKey(spec: RunnerSpec): string {
  return `${spec.interval}\u0000${spec.scope}\u0000${spec.query}`;
}

/** All running queries of one data source. */
export class RunnerRegistry {
  private readonly runners = new Map<string, Runner>();
  private cluster: ClusterServices | null = null;
  private readonly clock: RunnerClock;
  private readonly observer: RunnerObserver;
  private readonly onViewerError: (err: unknown) => void;

  constructor(private readonly options: RunnerRegistryOptions) {
    this.clock = options.clock ?? Date;
    this.observer = options.observer ?? { evaluated: () => undefined };
    this.onViewerError = options.onViewerError ?? (() => undefined);
  }

  /**
   * Shares runners with the other nodes of a cluster from now on (a no-op for a node alone): each
   * distinct query is then evaluated by one node, see {@link SharedRunner}.
   */
  useCluster(cluster: ClusterServices | undefined): void {
    this.cluster = cluster?.shared === true ? cluster : null;
  }

  /** Joins (or starts) the runner of `spec`. */
  join(spec: RunnerSpec, viewer: MetricViewer): RunnerMembership {
    const key = runnerKey(spec);
    let runner = this.runners.get(key);
    if (!runner) {
      const local = (): QueryRunner =>
        new QueryRunner(spec, this.options.source, this.clock, this.observer, this.onViewerError);
      runner = this.cluster === null ? local() : new SharedRunner(spec, key, this.cluster, local, this.onViewerError);
      this.runners.set(key, runner);
      runner.start();
    }
    runner.add(viewer);
    const joined = runner;
    let left = false;
    return {
      runner: joined,
      leave: () => {
        if (left) return;
        left = true;
        joined.remove(viewer);
        if (joined.viewers === 0 && this.runners.get(key) === joined) {
          joined.stop();
          this.runners.delete(key);
        }
      },
    };
  }

  /** Number of running queries. */
  get size(): number {
    return this.runners.size;
  }

  /** Number of viewers over all runners. */
  get viewers(): number {
    let n = 0;
    for (const r of this.runners.values()) n += r.viewers;
    return n;
  }

  /** Status of every runner. */
  list(): RunnerStatus[] {
    return [...this.runners.values()].map((r) => r.status());
  }

  /** Stops every runner (server shutdown). */
  stopAll(): void {
    for (const r of this.runners.values()) r.stop();
    this.runners.clear();
  }
}
