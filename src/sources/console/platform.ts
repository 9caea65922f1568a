/**
 * The seam between the console and a streaming platform. {@link ConsolePlatform} is all the console
 * source needs: NATS JetStream implements it in `nats/nats-platform.ts`; a Kafka platform (through
 * kafkajs' admin client) would implement the same methods. docs/integrations/console.md
 * describes the contract method by method.
 *
 * @module
 */
import type { ConsoleTopic, StorageUsage } from './model.js';
import type { ConsoleGroup } from './model.js';

/** Connection state the platform reports; the source turns it into `console/<cluster>` health. */
export type PlatformStatus =
  | { readonly state: 'connected'; readonly server: string }
  | { readonly state: 'disconnected'; readonly detail: string };

/** A group as read from the platform: the public group plus the counter its rate comes from. */
export interface GroupSample {
  readonly group: ConsoleGroup;
  /** Deliveries to the group so far (monotonic while the group exists). */
  readonly delivered: number;
}

/** Server and storage facts for the cluster health. */
export interface ClusterSample {
  readonly server: string;
  readonly version: string;
  readonly connections: number | null;
  readonly jetstream: StorageUsage | null;
}

/** What `POST /api/v1/console/topics` asks for, validated. */
export interface TopicSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly maxMessages?: number;
  readonly maxBytes?: number;
  readonly maxAgeSeconds?: number;
}

/**
 * A change the platform announced (JetStream advisories; Kafka has none, so a Kafka platform never
 * calls the listener and relies on the periodic reconcile). The source re-reads what it names.
 */
export type ChangeHint =
  { readonly kind: 'topic'; readonly topic: string } | { readonly kind: 'groups'; readonly topic: string };

/** Why a platform call failed; the console API maps each to a status. */
export type PlatformErrorKind = 'unreachable' | 'not_found' | 'exists' | 'subjects_conflict' | 'rejected';

/** A failed platform call. `message` is safe to show to API callers. */
export class PlatformError extends Error {
  readonly kind: PlatformErrorKind;

  constructor(kind: PlatformErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlatformError';
    this.kind = kind;
  }
}

/**
 * A streaming platform as the console sees it. Listing methods are async iterables of pages, one
 * platform request per page, so the caller can count requests against its round budget and stop
 * between pages. Every method rejects with a {@link PlatformError}.
 */
export interface ConsolePlatform {
  /** Platform kind shown in the cluster health, e.g. `nats-jetstream`, `kafka`. */
  readonly kind: string;
  /**
   * Starts connecting in the background and keeps reconnecting; never rejects because the cluster
   * is unreachable. Reports every change of connection state to `onStatus`, and announced changes
   * to `onChange`.
   */
  start(onStatus: (status: PlatformStatus) => void, onChange: (hint: ChangeHint) => void): Promise<void>;
  /** Disconnects for good. Idempotent. */
  close(): Promise<void>;
  /** Whether requests can be made now. */
  readonly connected: boolean;
  /** Platform requests made so far; the source measures a round's cost as the difference. */
  readonly requests: number;
  /** Every topic, page by page (internal topics such as the canary are left out). */
  topics(): AsyncIterable<readonly ConsoleTopic[]>;
  /** One topic, or `null` if it does not exist. One request. */
  topic(name: string): Promise<ConsoleTopic | null>;
  /**
   * Every group of a topic, page by page; rejects `not_found` when the topic does not exist (the
   * source takes that as the topic's deletion).
   */
  groups(topic: string): AsyncIterable<readonly GroupSample[]>;
  /** Server, connections and storage usage. One or two requests. */
  cluster(): Promise<ClusterSample>;
  /** Creates a topic; rejects `exists` or `subjects_conflict`. */
  createTopic(spec: TopicSpec): Promise<ConsoleTopic>;
  /** Deletes a topic and its groups; rejects `not_found`. */
  deleteTopic(name: string): Promise<void>;
  /**
   * Publishes `count` small messages to an internal canary topic and resolves with each one's
   * publish→ack time in ms. Platforms without acks may omit it.
   */
  measureLatency?(count: number): Promise<number[]>;
}
