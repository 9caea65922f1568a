import { getHeapStatistics } from 'node:v8';
import type { TransportKind } from '../../core/outbound.js';
import { guardTask, type Source, type SourceContext } from '../source.js';
import { percentiles } from './percentiles.js';
import { STATS_TOPIC, STATS_UPDATED, StatsReducer } from './stats-reducer.js';

/** Extra counters another component contributes to `stats_updated` (e.g. alert counts). */
export type StatsContributor = () => Record<string, unknown>;

/** What the stats read from the core (the hub implements it). */
export interface StatsHub {
  /** Events received from the bus since start. */
  readonly publishedCount: number;
  /** Number of event subscriptions. */
  readonly subscriptionCount: number;
  /** Open connections. */
  listSessions(): readonly { readonly kind: TransportKind }[];
  /** Replay window figures. */
  windowInfo(): { readonly events: number; readonly bytes: number };
}

/** Delivery counters the stats read (the HTTP layer's metrics implement them). */
export interface StatsCounters {
  readonly deliveredCount: number;
  readonly slowConsumerCount: number;
  readonly droppedCount: number;
  /** This period's latency sample and how many deliveries it stands for; starts a new period. */
  takeLatencySample(): { samples: number[]; count: number };
}

/** Options of a {@link StatsSource}. */
export interface StatsSourceOptions {
  /** Interval between `stats_updated` events in ms. Defaults to 10,000. */
  intervalMs?: number;
  /**
   * This node's id. When set, every update carries it as `node`, and `cluster` with the totals
   * over every node publishing on the same bus. Defaults to none (one node: no `cluster`).
   */
  nodeId?: string;
}

/**
 * Publishes `stats_updated` on the `stats` topic every interval: connections by transport, events/s
 * and deliveries/s over the interval, delivery latency percentiles, slow-consumer and dropped
 * counts, memory, and whatever contributors add (alert counts by state and severity).
 */
export class StatsSource implements Source {
  readonly name = 'stats';
  private readonly reducer = new StatsReducer();
  readonly reducers = [this.reducer];
  private readonly nodeId: string;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly contributors: StatsContributor[] = [];
  private lastPublished = 0;
  private lastDelivered = 0;
  private lastAt = performance.now();

  constructor(
    private readonly hub: StatsHub,
    private readonly metrics: StatsCounters,
    options: StatsSourceOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.nodeId = options.nodeId ?? '';
    if (!Number.isInteger(this.intervalMs) || this.intervalMs < 100)
      throw new TypeError('StatsSource: intervalMs must be an integer >= 100');
  }

  /** Adds counters to every update. */
  contribute(contributor: StatsContributor): void {
    this.contributors.push(contributor);
  }

  async start(ctx: SourceContext): Promise<void> {
    this.lastAt = performance.now();
    this.lastPublished = this.hub.publishedCount;
    this.lastDelivered = this.metrics.deliveredCount;
    this.timer = setInterval(
      guardTask(ctx, 'stats', () => {
        ctx
          .publish([{ topic: STATS_TOPIC, type: STATS_UPDATED, source: 'livegate', data: this.collect() }])
          .catch((err: unknown) => ctx.log.warn({ err }, 'stats publish failed'));
      }),
      this.intervalMs,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Totals over this node's fresh figures and the latest update of every other node heard from
   * within three intervals (several nodes on one bus each publish their own `stats_updated`).
   */
  private clusterTotals(own: Record<string, unknown>): Record<string, unknown> {
    const others = this.reducer
      .nodesSince(Date.now() - 3 * this.intervalMs)
      .filter((n) => n.node !== this.nodeId && n.node !== '');
    const all = [own, ...others.map((n) => n.data)];
    const sum = (...path: string[]): number => round(all.reduce((total, d) => total + figure(d, path), 0)) ?? 0;
    return {
      nodes: all.length,
      nodeIds: [this.nodeId, ...others.map((n) => n.node)].sort(),
      connections: sum('connections', 'total'),
      subscriptions: sum('subscriptions'),
      deliveriesPerSecond: sum('deliveriesPerSecond'),
      slowConsumerDisconnects: sum('slowConsumerDisconnects'),
      rssBytes: sum('memory', 'rssBytes'),
    };
  }

  /** Builds one stats payload and starts the next period. Public for tests. */
  collect(): Record<string, unknown> {
    const now = performance.now();
    const seconds = Math.max(0.001, (now - this.lastAt) / 1000);
    // The stats event itself is not counted: it would make an idle server look busy.
    const published = this.hub.publishedCount;
    const delivered = this.metrics.deliveredCount;
    const { samples, count } = this.metrics.takeLatencySample();
    const [p50, p95, p99] = percentiles(samples, [50, 95, 99]);
    const connections: Record<string, number> = { sse: 0, ws: 0, poll: 0 };
    const sessions = this.hub.listSessions();
    for (const session of sessions) connections[session.kind] = (connections[session.kind] ?? 0) + 1;
    const window = this.hub.windowInfo();
    const memory = readMemory();
    const stats: Record<string, unknown> = {
      time: new Date().toISOString(),
      intervalSeconds: Math.round(seconds * 1000) / 1000,
      connections: { ...connections, total: sessions.length },
      subscriptions: this.hub.subscriptionCount,
      eventsPerSecond: round((published - this.lastPublished) / seconds),
      deliveriesPerSecond: round((delivered - this.lastDelivered) / seconds),
      latencyMs: { p50: round(p50), p95: round(p95), p99: round(p99), samples: count },
      slowConsumerDisconnects: this.metrics.slowConsumerCount,
      droppedEvents: this.metrics.droppedCount,
      window: { events: window.events, bytes: window.bytes },
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
    };
    for (const contribute of this.contributors) Object.assign(stats, contribute());
    if (this.nodeId !== '') {
      stats['node'] = this.nodeId;
      stats['cluster'] = this.clusterTotals(stats);
    }
    this.lastAt = now;
    this.lastPublished = published + 1;
    this.lastDelivered = delivered;
    return stats;
  }
}

/** Figures summed over the nodes of a cluster in `stats_updated.cluster`. */
function figure(data: Record<string, unknown>, path: readonly string[]): number {
  let value: unknown = data;
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'number' ? value : 0;
}

/**
 * `process.memoryUsage()` reads `/proc/self/statm` for the RSS and throws `EMFILE` when the process
 * is out of file descriptors: then the RSS is unknown (`null`) and the heap comes from V8 alone.
 */
function readMemory(): { rss: number | null; heapUsed: number } {
  try {
    return process.memoryUsage();
  } catch {
    return { rss: null, heapUsed: getHeapStatistics().used_heap_size };
  }
}

function round(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value * 100) / 100;
}
