import { TRANSPORT_NAMES } from '@livegate/protocol';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LiveEvent } from '../core/event.js';
import type { Hub, HubObserver } from '../core/hub.js';
import type { Outbound, TransportKind } from '../core/outbound.js';
import type { BuildInfo } from './build-info.js';
import { registerDefaultMetrics } from './default-metrics.js';
import { WeightedHistogram } from './weighted-histogram.js';

/**
 * Prometheus metrics: livegate's own (`livegate_…`), fed by the hub through {@link HubObserver},
 * `livegate_build_info`, and the standard unprefixed process and Node.js metrics.
 *
 * Deliveries are counted on the delivery path, which runs once per session write: the sent count
 * is a plain number per transport, handed to prom-client's labelled counter at scrape time, and
 * latency observations of equal age (every event of one bus delivery, every session the flush
 * pass writes one event to) are held back as one weighted observation until the age changes or
 * someone reads. Measured: prom-client's labelled `inc` (label hashing) and one histogram
 * observation per written item were 6 % of the flush pass in the fanout profile, and the flush
 * pass writes every delivery of the `filtered` bench, one session at a time.
 */
/** Labels of the events beyond `observability.maxEventSeries`. */
const OTHER_SERIES = { topic: 'other', type: 'other' } as const;

/** Size of the latency reservoir per stats period. */
const RESERVOIR_SIZE = 2048;

export class Metrics implements HubObserver {
  readonly registry = new Registry();
  private readonly connections: Gauge<'transport'>;
  private readonly connectionDuration: Histogram<'transport'>;
  private readonly publishedTotal: Counter<'topic' | 'type'>;
  private readonly deliveries: Counter<'transport' | 'result'>;
  private readonly slowConsumers: Counter<'transport'>;
  private readonly latency: WeightedHistogram;
  readonly publishRequests: Counter<'result'>;
  /** Timer tasks that threw (the server's timer wheel counts here and logs each). */
  readonly timerFailures: Counter;
  /**
   * A uniform sample (reservoir) of this stats period's delivery latencies in ms, at most
   * {@link RESERVOIR_SIZE}: sorting it for percentiles stays far below a millisecond, where sorting
   * every delivery of a busy period stalled the event loop for tens of milliseconds.
   */
  private latencySamples: number[] = [];
  private latencySeen = 0;
  /** Live deliveries by transport not yet added to {@link deliveries} (see the class comment). */
  private readonly sentPending: Record<TransportKind, number> = { sse: 0, ws: 0, poll: 0 };
  /** A run of `runCount` latency observations of `runMs`, not yet recorded (see the class comment). */
  private runMs = 0;
  private runCount = 0;
  /** Deliveries since start, for events/s and deliveries/s in stats. */
  deliveredCount = 0;
  droppedCount = 0;
  slowConsumerCount = 0;

  private readonly eventSeries = new Set<string>();
  private readonly maxEventSeries: number;

  /**
   * @param build labels of `livegate_build_info`; without it the metric is not registered.
   * @param maxEventSeries most topic×type series of `livegate_events_published_total`; pairs first
   *   seen after that count under `topic="other",type="other"`. Defaults to 1,000.
   */
  constructor(build?: BuildInfo, maxEventSeries = 1000) {
    this.maxEventSeries = maxEventSeries;
    const registers = [this.registry];
    registerDefaultMetrics(this.registry);
    if (build !== undefined) {
      new Gauge({
        name: 'livegate_build_info',
        help: 'Always 1; the labels say which build is running where: package version, git revision, Node.js version, node id (node.id).',
        labelNames: ['version', 'revision', 'node', 'node_id'],
        registers,
      }).set({ version: build.version, revision: build.revision, node: build.node, node_id: build.nodeId }, 1);
    }
    this.connections = new Gauge({
      name: 'livegate_connections',
      help: 'Open connections by transport.',
      labelNames: ['transport'],
      registers,
    });
    for (const t of ['sse', 'ws', 'poll']) this.connections.set({ transport: t }, 0);
    this.connectionDuration = new Histogram({
      name: 'livegate_connection_duration_seconds',
      help: 'How long connections stayed open.',
      labelNames: ['transport'],
      buckets: [0.1, 1, 5, 30, 60, 300, 900, 3600, 14400, 86400],
      registers,
    });
    this.publishedTotal = new Counter({
      name: 'livegate_events_published_total',
      help: 'Events appended to the bus (by topic and type; sources are not labels, to bound the series count).',
      labelNames: ['topic', 'type'],
      registers,
    });
    const sentPending = this.sentPending;
    this.deliveries = new Counter({
      name: 'livegate_deliveries_total',
      help: 'Event deliveries by transport and result (sent, dropped).',
      labelNames: ['transport', 'result'],
      registers,
      collect() {
        for (const transport of TRANSPORT_NAMES) {
          const n = sentPending[transport];
          if (n === 0) continue;
          sentPending[transport] = 0;
          this.inc({ transport, result: 'sent' }, n);
        }
      },
    });
    this.slowConsumers = new Counter({
      name: 'livegate_slow_consumer_disconnects_total',
      help: 'Connections closed because their queue overflowed.',
      labelNames: ['transport'],
      registers,
    });
    this.latency = new WeightedHistogram(
      'livegate_delivery_latency_seconds',
      'Time from the hub accepting an event to writing it to a connection.',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      this.registry,
      () => this.endRun(),
    );
    this.timerFailures = new Counter({
      name: 'livegate_timer_task_failures_total',
      help: 'Timer tasks (heartbeats, timeouts, batch flushes) that threw; each is also logged.',
      registers,
    });
    this.publishRequests = new Counter({
      name: 'livegate_publish_requests_total',
      help: 'Publish API requests by result.',
      labelNames: ['result'],
      registers,
    });
  }

  /** Adds gauges that read the hub at scrape time (queue depth, window, subscriptions). */
  watchHub(hub: Hub): void {
    const registers = [this.registry];
    new Gauge({
      name: 'livegate_queue_depth',
      help: 'Events queued in connection queues, summed over connections.',
      registers,
      collect() {
        this.set(hub.queuedCount);
      },
    });
    new Gauge({
      name: 'livegate_replay_window_events',
      help: 'Events held for resume.',
      registers,
      collect() {
        this.set(hub.windowInfo().events);
      },
    });
    new Gauge({
      name: 'livegate_replay_window_bytes',
      help: 'Envelope bytes held for resume.',
      registers,
      collect() {
        this.set(hub.windowInfo().bytes);
      },
    });
    new Gauge({
      name: 'livegate_history_reads',
      help: 'Resumes older than the replay window reading or holding a page of the bus history (at most replay.maxHistoryReads).',
      registers,
      collect() {
        this.set(hub.historyReadInfo().holding);
      },
    });
    new Gauge({
      name: 'livegate_history_reads_waiting',
      help: 'Resumes older than the replay window waiting for their turn to read the bus history.',
      registers,
      collect() {
        this.set(hub.historyReadInfo().waiting);
      },
    });
    new Counter({
      name: 'livegate_history_reads_waited_total',
      help: 'Times a resume older than the replay window had to wait for its turn (replay.maxHistoryReads reached).',
      registers,
      collect() {
        this.reset();
        this.inc(hub.historyReadInfo().waited);
      },
    });
    new Gauge({
      name: 'livegate_subscriptions',
      help: 'Active subscriptions.',
      registers,
      collect() {
        this.set(hub.subscriptionCount);
      },
    });
  }

  published(event: LiveEvent): void {
    // 200,000 distinct types made 200,002 series (13.5 MB per scrape, never removed): the series
    // set is bounded, later pairs are counted together.
    const key = `${event.topic}\u0000${event.type}`;
    if (this.eventSeries.has(key) || this.eventSeries.size < this.maxEventSeries) {
      this.eventSeries.add(key);
      this.publishedTotal.inc({ topic: event.topic, type: event.type });
    } else {
      this.publishedTotal.inc(OTHER_SERIES);
    }
  }

  delivered(kind: TransportKind, items: readonly Outbound[], now: number, live: boolean): void {
    let count = 0;
    for (const item of items) {
      if (item.kind === 'event') {
        count++;
        if (live) this.observeRun(now - item.event.acceptedAt, 1);
      } else if (item.kind === 'batch') {
        count += item.events.length;
        if (live) for (const e of item.events) this.observeRun(now - e.acceptedAt, 1);
      }
    }
    if (count > 0) {
      this.deliveredCount += count;
      this.sentPending[kind] += count;
    }
  }

  deliveredLive(kind: TransportKind, count: number, ageMs: number): void {
    this.observeRun(ageMs, count);
    this.deliveredCount += count;
    this.sentPending[kind] += count;
  }

  sessionOpened(kind: TransportKind): void {
    this.connections.inc({ transport: kind });
  }

  sessionClosed(kind: TransportKind, seconds: number): void {
    this.connections.dec({ transport: kind });
    this.connectionDuration.observe({ transport: kind }, seconds);
  }

  slowConsumer(kind: TransportKind, dropped: number): void {
    this.slowConsumerCount++;
    this.droppedCount += dropped;
    this.slowConsumers.inc({ transport: kind });
    if (dropped > 0) this.deliveries.inc({ transport: kind, result: 'dropped' }, dropped);
  }

  /** Returns this period's latency sample and how many deliveries it stands for, and starts a new period. */
  takeLatencySample(): { samples: number[]; count: number } {
    this.endRun();
    const taken = { samples: this.latencySamples, count: this.latencySeen };
    this.latencySamples = [];
    this.latencySeen = 0;
    return taken;
  }

  /** Adds `count` deliveries `ms` old to the current run of equal ages, recording the run it ends. */
  private observeRun(ms: number, count: number): void {
    if (ms !== this.runMs) {
      this.endRun();
      this.runMs = ms;
    }
    this.runCount += count;
  }

  /** Records the held-back run of equal ages. */
  private endRun(): void {
    if (this.runCount === 0) return;
    const count = this.runCount;
    this.runCount = 0;
    this.observe(this.runMs, count);
  }

  /** Records `count` deliveries `ms` old: in the histogram, and in the stats reservoir. */
  private observe(ms: number, count = 1): void {
    this.latency.observe(ms / 1000, count);
    for (let i = 0; i < count; i++) {
      this.latencySeen++;
      if (this.latencySamples.length < RESERVOIR_SIZE) this.latencySamples.push(ms);
      else {
        const slot = Math.floor(Math.random() * this.latencySeen);
        if (slot < RESERVOIR_SIZE) this.latencySamples[slot] = ms;
      }
    }
  }
}
