/**
 * {@link ConsolePlatform} on NATS JetStream: streams are topics, durable consumers are groups,
 * `num_pending` is lag. Lists through the paged JetStream API (`$JS.API.STREAM.LIST`,
 * `$JS.API.CONSUMER.LIST.<stream>`, up to 256 infos per request) and hears changes from
 * `$JS.EVENT.ADVISORY.>` (see `advisories.ts`).
 *
 * @module
 */
import {
  connect,
  type ConnectionOptions,
  type ConsumerInfo,
  type JetStreamManager,
  type NatsConnection,
  type StreamInfo,
  type Subscription,
  RetentionPolicy,
  StorageType,
} from 'nats';
import type { ConsoleTopic, StorageUsage } from '../model.js';
import {
  PlatformError,
  type ChangeHint,
  type ClusterSample,
  type ConsolePlatform,
  type GroupSample,
  type PlatformStatus,
  type TopicSpec,
} from '../platform.js';
import { ADVISORY_SUBJECT, hintFromAdvisory, hintFromApiAudit } from './advisories.js';
import { JS_ERR, jsErrorCode, toPlatformError } from './errors.js';

/** Name of the internal stream the latency canary publishes to; never listed as a topic. */
export const CANARY_STREAM = 'LIVEGATE_CANARY';
/** Subject of {@link CANARY_STREAM}. */
export const CANARY_SUBJECT = 'livegate.canary';

/** Options of {@link NatsPlatform}. */
export interface NatsPlatformOptions {
  /** `nats` connection options (see `connect-options.ts`). */
  readonly connection: ConnectionOptions;
  /** NATS monitoring base URL (`http://host:8222`) read for the connection count. Defaults to none. */
  readonly monitorUrl?: string;
  /** Time limit of one JetStream API request, in ms. Defaults to `2000`. */
  readonly requestTimeoutMs?: number;
  /** Wait between attempts of the first connection, in ms. Defaults to `500`. */
  readonly retryMs?: number;
}

const NANOS_PER_SECOND = 1_000_000_000;

/** The {@link ConsoleTopic} of a stream info. */
export function topicFromStreamInfo(info: StreamInfo): ConsoleTopic {
  const maxAge = Number(info.config.max_age ?? 0);
  return {
    name: info.config.name,
    subjects: [...(info.config.subjects ?? [])],
    messages: info.state.messages,
    bytes: info.state.bytes,
    firstSeq: info.state.first_seq,
    lastSeq: info.state.last_seq,
    consumers: info.state.consumer_count,
    retention: String(info.config.retention),
    maxAgeSeconds: maxAge > 0 ? Math.round(maxAge / NANOS_PER_SECOND) : null,
  };
}

/** The {@link GroupSample} of a consumer info. */
export function groupFromConsumerInfo(info: ConsumerInfo): GroupSample {
  const lastActive = (info.delivered as { last_active?: unknown }).last_active;
  return {
    group: {
      topic: info.stream_name,
      name: info.name,
      lag: info.num_pending,
      ackPending: info.num_ack_pending,
      redelivered: info.num_redelivered,
      waiting: info.num_waiting,
      lastActive: typeof lastActive === 'string' && !Number.isNaN(Date.parse(lastActive)) ? lastActive : null,
    },
    delivered: info.delivered.consumer_seq,
  };
}

/**
 * Whether a `nats` lister has returned every item: after a page, it knows the total and its offset
 * (`ListerImpl.pageInfo.total`, `.offset`), and its `next()` would answer `[]` without asking the
 * server. Checking here keeps that call from being counted as a request against the round's
 * budget: a topic with a few consumers costs one request, not two. A lister without those fields
 * (another client version) is asked until it answers an empty page.
 */
function exhausted(lister: object): boolean {
  const { offset, pageInfo } = lister as { offset?: unknown; pageInfo?: { total?: unknown } };
  return typeof offset === 'number' && typeof pageInfo?.total === 'number' && offset >= pageInfo.total;
}

/** Durable consumers are groups; ephemeral ones (ordered consumers, `nats sub`) are not. */
function isDurable(info: ConsumerInfo): boolean {
  return typeof info.config.durable_name === 'string' && info.config.durable_name !== '';
}

function limitOrNull(value: number | undefined): number | null {
  return value === undefined || value < 0 ? null : value;
}

/** The console platform for one NATS cluster. See the module comment. */
export class NatsPlatform implements ConsolePlatform {
  readonly kind = 'nats-jetstream';
  readonly #options: NatsPlatformOptions;
  #nc: NatsConnection | undefined;
  #jsm: JetStreamManager | undefined;
  #advisories: Subscription | undefined;
  #connected = false;
  #closed = false;
  #requests = 0;
  #canaryReady = false;
  #generation = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: NatsPlatformOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connected && this.#nc !== undefined && !this.#nc.isClosed();
  }

  /** JetStream API requests made so far (each listing page counts one). */
  get requests(): number {
    return this.#requests;
  }

  /**
   * Connects in the background: the first connection is retried here (every `retryMs`, cancelled by
   * {@link close}) rather than by the client's `waitOnFirstConnect`, whose retry loop cannot be
   * stopped and would keep a stopped livegate alive; after it, the client reconnects by itself.
   * Restartable: `start` after `close` connects again (a node that regains its lease).
   */
  async start(onStatus: (status: PlatformStatus) => void, onChange: (hint: ChangeHint) => void): Promise<void> {
    const generation = ++this.#generation;
    this.#closed = false;
    this.#connected = false;
    this.#nc = undefined;
    this.#jsm = undefined;
    this.#canaryReady = false;
    const servers = [this.#options.connection.servers ?? []].flat().join(', ');
    const current = (): boolean => !this.#closed && generation === this.#generation;
    onStatus({ state: 'disconnected', detail: `connecting to ${servers}` });
    const attempt = (): void => {
      if (!current()) return;
      connect({ ...this.#options.connection, waitOnFirstConnect: false }).then(
        (nc) => this.#onConnected(nc, generation, onStatus, onChange),
        (error: unknown) => {
          if (!current()) return;
          onStatus({ state: 'disconnected', detail: `cannot connect to ${servers}: ${(error as Error).message}` });
          this.#retry = setTimeout(attempt, this.#options.retryMs ?? 500);
          this.#retry.unref?.();
        },
      );
    };
    attempt();
  }

  #onConnected(
    nc: NatsConnection,
    generation: number,
    onStatus: (s: PlatformStatus) => void,
    onChange: (h: ChangeHint) => void,
  ): void {
    const current = (): boolean => !this.#closed && generation === this.#generation;
    if (!current()) {
      void nc.close().catch(() => undefined);
      return;
    }
    this.#nc = nc;
    this.#connected = true;
    void (async () => {
      for await (const status of nc.status()) {
        if (!current()) return;
        if (status.type === 'disconnect') {
          this.#connected = false;
          onStatus({ state: 'disconnected', detail: `lost the connection to ${String(status.data)}` });
        } else if (status.type === 'reconnect') {
          this.#connected = true;
          onStatus({ state: 'connected', server: nc.info?.server_name ?? String(status.data) });
        }
      }
    })();
    void nc.closed().then((error) => {
      if (!current()) return;
      this.#connected = false;
      onStatus({ state: 'disconnected', detail: `connection closed: ${error?.message ?? 'closed'}` });
    });
    this.#advisories = nc.subscribe(ADVISORY_SUBJECT, {
      callback: (error, msg) => {
        if (error || !current()) return;
        const hint = hintFromAdvisory(msg.subject) ?? hintFromApiAudit(msg.subject, msg.data);
        if (hint !== null && hint.topic !== CANARY_STREAM) onChange(hint);
      },
    });
    // Connected means listening: the server has the advisory subscription once it answers the flush,
    // so a change made after `connected` is reported cannot slip past it.
    nc.flush().then(
      () => {
        if (current()) onStatus({ state: 'connected', server: nc.info?.server_name ?? 'unknown' });
      },
      () => undefined, // the connection failed meanwhile: its status watchers report that
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connected = false;
    clearTimeout(this.#retry);
    this.#advisories?.unsubscribe();
    this.#advisories = undefined;
    const nc = this.#nc;
    this.#nc = undefined;
    this.#jsm = undefined;
    await nc?.close().catch(() => undefined);
  }

  async *topics(): AsyncIterable<readonly ConsoleTopic[]> {
    const lister = (await this.#manager()).streams.list();
    while (!exhausted(lister)) {
      let page: StreamInfo[];
      try {
        this.#requests += 1;
        page = await lister.next();
      } catch (error) {
        throw toPlatformError(error, 'listing streams');
      }
      if (page.length === 0) return;
      yield page.filter((info) => info.config.name !== CANARY_STREAM).map(topicFromStreamInfo);
    }
  }

  async topic(name: string): Promise<ConsoleTopic | null> {
    const jsm = await this.#manager();
    try {
      this.#requests += 1;
      return name === CANARY_STREAM ? null : topicFromStreamInfo(await jsm.streams.info(name));
    } catch (error) {
      if (jsErrorCode(error) === JS_ERR.streamNotFound) return null;
      throw toPlatformError(error, `reading stream ${name}`);
    }
  }

  async *groups(topic: string): AsyncIterable<readonly GroupSample[]> {
    const lister = (await this.#manager()).consumers.list(topic);
    while (!exhausted(lister)) {
      let page: ConsumerInfo[];
      try {
        this.#requests += 1;
        page = await lister.next();
      } catch (error) {
        // A missing stream rejects `not_found` (see ConsolePlatform.groups).
        throw toPlatformError(error, `listing consumers of ${topic}`);
      }
      if (page.length === 0) return;
      yield page.filter(isDurable).map(groupFromConsumerInfo);
    }
  }

  async cluster(): Promise<ClusterSample> {
    const jsm = await this.#manager();
    const info = this.#nc?.info;
    let jetstream: StorageUsage;
    try {
      this.#requests += 1;
      const account = await jsm.getAccountInfo();
      jetstream = {
        memory: account.memory,
        memoryLimit: limitOrNull(account.limits.max_memory),
        storage: account.storage,
        storageLimit: limitOrNull(account.limits.max_storage),
        streams: account.streams,
        consumers: account.consumers,
      };
    } catch (error) {
      throw toPlatformError(error, 'reading JetStream account info');
    }
    const varz = await this.#varz();
    if (varz !== null) {
      // The account is often unlimited (-1): the server's own JetStream limits are the real ones.
      jetstream = {
        ...jetstream,
        memoryLimit: jetstream.memoryLimit ?? varz.maxMemory,
        storageLimit: jetstream.storageLimit ?? varz.maxStorage,
      };
    }
    return {
      server: info?.server_name ?? 'unknown',
      version: info?.version ?? 'unknown',
      connections: varz?.connections ?? null,
      jetstream,
    };
  }

  async createTopic(spec: TopicSpec): Promise<ConsoleTopic> {
    const jsm = await this.#manager();
    try {
      this.#requests += 1;
      const info = await jsm.streams.add({
        name: spec.name,
        subjects: [...spec.subjects],
        ...(spec.maxMessages === undefined ? {} : { max_msgs: spec.maxMessages }),
        ...(spec.maxBytes === undefined ? {} : { max_bytes: spec.maxBytes }),
        ...(spec.maxAgeSeconds === undefined ? {} : { max_age: spec.maxAgeSeconds * NANOS_PER_SECOND }),
      });
      return topicFromStreamInfo(info);
    } catch (error) {
      throw toPlatformError(error, `creating stream ${spec.name}`);
    }
  }

  async deleteTopic(name: string): Promise<void> {
    if (name === CANARY_STREAM) throw new PlatformError('not_found', `stream ${name} is internal to livegate`);
    const jsm = await this.#manager();
    try {
      this.#requests += 1;
      await jsm.streams.delete(name);
    } catch (error) {
      throw toPlatformError(error, `deleting stream ${name}`);
    }
  }

  async measureLatency(count: number): Promise<number[]> {
    const nc = this.#requireConnection();
    if (!this.#canaryReady) {
      const jsm = await this.#manager();
      try {
        this.#requests += 1;
        await jsm.streams.info(CANARY_STREAM);
      } catch (error) {
        if (jsErrorCode(error) !== JS_ERR.streamNotFound) throw toPlatformError(error, 'reading the canary stream');
        this.#requests += 1;
        await jsm.streams
          .add({
            name: CANARY_STREAM,
            subjects: [CANARY_SUBJECT],
            storage: StorageType.Memory,
            retention: RetentionPolicy.Limits,
            max_msgs: 100,
          })
          .catch((e: unknown) => {
            if (jsErrorCode(e) !== JS_ERR.streamNameInUse) throw toPlatformError(e, 'creating the canary stream');
          });
      }
      this.#canaryReady = true;
    }
    const js = nc.jetstream({ timeout: this.#options.requestTimeoutMs ?? 2_000 });
    const latencies: number[] = [];
    const payload = new Uint8Array(16);
    for (let i = 0; i < count; i += 1) {
      const started = performance.now();
      try {
        this.#requests += 1;
        await js.publish(CANARY_SUBJECT, payload);
      } catch (error) {
        // The canary stream may have been deleted from outside: recreate it next time.
        this.#canaryReady = false;
        throw toPlatformError(error, 'publishing to the canary stream');
      }
      latencies.push(performance.now() - started);
    }
    return latencies;
  }

  #requireConnection(): NatsConnection {
    if (!this.connected || this.#nc === undefined) throw new PlatformError('unreachable', 'NATS is not connected');
    return this.#nc;
  }

  async #manager(): Promise<JetStreamManager> {
    const nc = this.#requireConnection();
    this.#jsm ??= await nc.jetstreamManager({ checkAPI: false, timeout: this.#options.requestTimeoutMs ?? 2_000 });
    return this.#jsm;
  }

  async #varz(): Promise<{ connections: number; maxMemory: number | null; maxStorage: number | null } | null> {
    if (this.#options.monitorUrl === undefined || this.#options.monitorUrl === '') return null;
    try {
      const response = await fetch(new URL('/varz', this.#options.monitorUrl), { signal: AbortSignal.timeout(1_000) });
      if (!response.ok) return null;
      const body = (await response.json()) as {
        connections?: number;
        jetstream?: { config?: { max_memory?: number; max_storage?: number } };
      };
      return {
        connections: typeof body.connections === 'number' ? body.connections : 0,
        maxMemory: limitOrNull(body.jetstream?.config?.max_memory),
        maxStorage: limitOrNull(body.jetstream?.config?.max_storage),
      };
    } catch {
      return null;
    }
  }
}
