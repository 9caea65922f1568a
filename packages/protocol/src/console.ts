/**
 * The `console` topic on the wire: a topic (a JetStream stream, a Kafka topic), a consumer group,
 * the cluster's health, the metrics of one round and the snapshot. Platform-neutral: the server
 * fills them from NATS JetStream today (docs/integrations/console.md), and the SDK's
 * `consoleReducer` and the dashboard read them.
 *
 * @module
 */

/** Topic every console event is published on. */
export const CONSOLE_TOPIC = 'console';

/** Event types of the `console` topic. */
export const CONSOLE_EVENTS = {
  topicCreated: 'topic_created',
  topicUpdated: 'topic_updated',
  topicDeleted: 'topic_deleted',
  groupCreated: 'group_created',
  groupUpdated: 'group_updated',
  groupDeleted: 'group_deleted',
  metricsUpdated: 'metrics_updated',
} as const;

/** One of {@link CONSOLE_EVENTS}. */
export type ConsoleEventType = (typeof CONSOLE_EVENTS)[keyof typeof CONSOLE_EVENTS];

/** A topic: a JetStream stream (a Kafka topic on another platform). */
export interface ConsoleTopic {
  readonly name: string;
  /** Subjects the stream captures (for Kafka: the topic name alone). */
  readonly subjects: readonly string[];
  /** Messages stored now. */
  readonly messages: number;
  /** Bytes stored now. */
  readonly bytes: number;
  /** Sequence of the oldest stored message (0 when empty and never written). */
  readonly firstSeq: number;
  /** Sequence of the newest message ever stored: grows by one per message written. */
  readonly lastSeq: number;
  /** Number of consumers (groups) on the topic. */
  readonly consumers: number;
  /** Retention policy: `limits`, `interest` or `workqueue` (Kafka: `delete` or `compact`). */
  readonly retention: string;
  /** Longest a message is kept, in seconds; `null` when unlimited. */
  readonly maxAgeSeconds: number | null;
}

/** A consumer group: a durable JetStream consumer on one topic. */
export interface ConsoleGroup {
  readonly topic: string;
  readonly name: string;
  /** Messages of the topic not yet delivered to the group (JetStream `num_pending`). */
  readonly lag: number;
  /** Messages delivered and not yet acknowledged. */
  readonly ackPending: number;
  /** Messages delivered more than once, now pending acknowledgement again. */
  readonly redelivered: number;
  /** Pull requests waiting for messages. */
  readonly waiting: number;
  /** When the group last received a message (RFC 3339), `null` if never. */
  readonly lastActive: string | null;
}

/** JetStream (or broker storage) usage against its limits; a limit is `null` when unlimited. */
export interface StorageUsage {
  readonly memory: number;
  readonly memoryLimit: number | null;
  readonly storage: number;
  readonly storageLimit: number | null;
  readonly streams: number;
  readonly consumers: number;
}

/** Health of the cluster as last measured; part of the snapshot and of `metrics_updated`. */
export interface ConsoleCluster {
  /** Configured name of the cluster, also the suffix of the health component `console/<name>`. */
  readonly name: string;
  /** Platform kind, e.g. `nats-jetstream`. */
  readonly platform: string;
  /** Whether livegate is connected to the cluster right now. */
  readonly connected: boolean;
  /** Name of the server livegate is connected to, `null` before the first connection. */
  readonly server: string | null;
  readonly version: string | null;
  /** Client connections on that server, `null` when not measurable (no monitoring URL). */
  readonly connections: number | null;
  readonly jetstream: StorageUsage | null;
  /** Groups whose lag is at or above this are alerted on by the dashboard. */
  readonly lagAlertThreshold: number;
  /** When this was measured (RFC 3339), `null` before the first round. */
  readonly updatedAt: string | null;
}

/** Rates of one topic in a `metrics_updated` event. */
export interface TopicRates {
  readonly name: string;
  /** Messages written per second since the previous sample; `null` on the first sample. */
  readonly messagesPerSecond: number | null;
  /** Bytes written per second since the previous sample; `null` on the first sample. */
  readonly bytesPerSecond: number | null;
}

/** Rates of one group in a `metrics_updated` event. */
export interface GroupRates {
  readonly topic: string;
  readonly name: string;
  /** Deliveries per second since the previous sample; `null` on the first sample. */
  readonly deliveredPerSecond: number | null;
  readonly lag: number;
}

/** Publish→ack latency of the canary stream over the last samples, in milliseconds. */
export interface CanaryLatency {
  readonly samples: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

/** What one round cost, so operators can see the budget at work. */
export interface RoundCost {
  /** Platform API requests made in the round. */
  readonly requests: number;
  readonly durationMs: number;
  /** Topics whose groups were refreshed in the round. */
  readonly topicsWithGroupsRefreshed: number;
  /** Whether the round saw every topic and every group (false when the budget cut it short). */
  readonly complete: boolean;
}

/** Cluster-wide sums of a round, in part 1 of `metrics_updated`. */
export interface RoundTotals {
  /** Topics and groups known, active or not. */
  readonly topics: number;
  readonly groups: number;
  /** Sums over every topic (messages and bytes in) and every group (deliveries). */
  readonly messagesPerSecond: number;
  readonly bytesPerSecond: number;
  readonly deliveredPerSecond: number;
}

/**
 * The `data` of `metrics_updated`. Only **active** topics and groups are listed (a rate above 0):
 * one that is absent had no traffic in the round, so an idle cluster of thousands of streams costs
 * a few hundred bytes per round, not hundreds of kilobytes. A large round is split over several
 * events (`part` 1..`parts`), each with at most `console.maxItemsPerEvent` topics plus groups;
 * `cluster`, `canary`, `cost` and `totals` are in part 1 only (`null` in the others).
 */
export interface ConsoleMetrics {
  readonly round: number;
  readonly part: number;
  readonly parts: number;
  readonly intervalMs: number;
  readonly cluster: ConsoleCluster | null;
  readonly canary: CanaryLatency | null;
  readonly cost: RoundCost | null;
  readonly totals: RoundTotals | null;
  readonly topics: readonly TopicRates[];
  readonly groups: readonly GroupRates[];
}

/** The `data` of the `console` snapshot a new subscriber gets first. */
export interface ConsoleSnapshot {
  readonly cluster: ConsoleCluster | null;
  readonly topics: readonly ConsoleTopic[];
  readonly groups: readonly ConsoleGroup[];
}
