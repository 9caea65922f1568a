/**
 * The `console` source: follows one streaming cluster through a {@link ConsolePlatform} and
 * publishes its topics, consumer groups, rates and health on the `console` state topic.
 *
 * Three paths change what it publishes:
 * - **Advisories** (platform change hints) re-read the one topic, or one topic's groups, they name,
 *   at once: `topic_created`/`topic_deleted`/`group_created`/`group_deleted` within milliseconds.
 * - **Rounds**, every `metricsIntervalMs`: list every topic (paged), re-read the groups of as many
 *   topics as the round's budget allows (round-robin; first the topics an advisory named or that
 *   received messages since the last round, so lag on busy topics is fresh every round), read the cluster facts,
 *   measure the canary, then publish the differences and `metrics_updated`. Listing every topic each
 *   round is also the reconcile for anything an advisory missed; a full sweep of the groups must
 *   finish within `reconcileIntervalMs` or the health turns `degraded`.
 * - **The console API** (create/delete) re-reads the topic it changed before answering, so the
 *   event is on the bus when the caller gets its answer.
 *
 * Health is the component `console/<cluster>`: `unhealthy` while the platform is disconnected (the
 * client notices a stopped server at once, or within two missed pings), `healthy` again on
 * reconnect, which also starts a round at once to catch up.
 *
 * @module
 */
import type { EventDraft } from '../../core/event.js';
import type { Source, SourceContext, SourceRoutes } from '../source.js';
import { ConsoleCatalog } from './catalog.js';
import { ConsoleReducer } from './console-reducer.js';
import { consoleRoutes, parseCreateTopic } from './console-routes.js';
import { GroupSchedule } from './group-schedule.js';
import { LatencyRing } from './latency.js';
import {
  CONSOLE_EVENTS,
  CONSOLE_TOPIC,
  groupKey,
  type CanaryLatency,
  type ConsoleCluster,
  type ConsoleGroup,
  type ConsoleMetrics,
  type ConsoleTopic,
  type GroupRates,
  type RoundCost,
  type RoundTotals,
  type TopicRates,
} from './model.js';
import { resolveConsoleOptions, type ConsoleSourceOptions, type ResolvedConsoleOptions } from './options.js';
import {
  PlatformError,
  type ChangeHint,
  type ClusterSample,
  type ConsolePlatform,
  type TopicSpec,
} from './platform.js';
import { TOPIC_NAME_PATTERN, TOPIC_NAME_RULE } from './names.js';
import { RateTracker } from './rates.js';
import { WriteRelay } from './write-relay.js';

/**
 * Lifecycle of {@link ConsoleSource}: `idle` → `running` (start) → `stopped` (stop) → `running`
 * (start again: the server restarts a per-cluster source when this node takes its lease back).
 */
export type ConsoleSourceState = 'idle' | 'running' | 'stopped';

/** The console source of one cluster. See the module comment. */
export class ConsoleSource implements Source {
  readonly name: string;
  readonly reducers: readonly ConsoleReducer[];
  /** Follows an outside system: one node of a livegate cluster runs it (see `Source.perCluster`). */
  readonly perCluster = true;
  /** The console API (`/api/v1/console/…`), served on every node. */
  readonly routes: SourceRoutes;
  readonly #platform: ConsolePlatform;
  readonly #options: ResolvedConsoleOptions;
  readonly #reducer = new ConsoleReducer();
  // Rebuilt at every start: a node that regains its lease starts from what the bus holds now.
  #catalog: ConsoleCatalog;
  #schedule = new GroupSchedule();
  #rates = new RateTracker();
  #latency = new LatencyRing();
  readonly #component: string;
  /** Topics with a hint re-read in flight, and those hinted again meanwhile. */
  readonly #hintsRunning = new Set<string>();
  readonly #hintsAgain = new Map<string, ChangeHint['kind']>();
  #state: ConsoleSourceState = 'idle';
  #ctx: SourceContext | undefined;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #roundAgain = false;
  #rounds = 0;
  #cluster: ClusterSample | null = null;
  #clusterAt: string | null = null;
  #lastCost: RoundCost | null = null;
  #problem: string | null = null;
  #relay: WriteRelay | undefined;
  #stopServing: (() => void) | undefined;

  constructor(platform: ConsolePlatform, options: ConsoleSourceOptions = {}) {
    this.#platform = platform;
    this.#options = resolveConsoleOptions(options);
    this.name = `console/${this.#options.cluster}`;
    this.#component = this.name;
    this.#catalog = this.#newCatalog();
    this.reducers = [this.#reducer];
    this.routes = consoleRoutes(this);
  }

  #newCatalog(): ConsoleCatalog {
    return new ConsoleCatalog({ cluster: this.#options.cluster, updateIntervalMs: this.#options.metricsIntervalMs });
  }

  /** Cluster name given in the options. */
  get cluster(): string {
    return this.#options.cluster;
  }

  /** Rounds completed so far. */
  get rounds(): number {
    return this.#rounds;
  }

  /** Cost of the last completed round, `null` before the first. */
  get lastCost(): RoundCost | null {
    return this.#lastCost;
  }

  /** Full group sweeps completed, and how long the last one took in ms. */
  get sweeps(): { completed: number; lastMs: number | null } {
    return { completed: this.#schedule.sweepsCompleted, lastMs: this.#schedule.lastSweepMs };
  }

  /** Whether the platform can be asked now; the API answers 503 otherwise. */
  get connected(): boolean {
    return this.#platform.connected;
  }

  /** Whether this node runs the source now (with several nodes, only the lease holder does). */
  get running(): boolean {
    return this.#state === 'running';
  }

  async start(ctx: SourceContext): Promise<void> {
    if (this.#state === 'running') throw new TypeError(`ConsoleSource ${this.name}: start() while running`);
    this.#state = 'running';
    this.#ctx = ctx;
    this.attach(ctx);
    // Writes other nodes relay: validated again here, then made as if asked directly.
    this.#stopServing = this.#relay?.serve(async (write) => {
      if (write.op === 'create') return this.createTopic(parseCreateTopic(write.spec));
      if (typeof write.name !== 'string' || !TOPIC_NAME_PATTERN.test(write.name))
        throw new PlatformError('rejected', `name: ${TOPIC_NAME_RULE}`);
      await this.deleteTopic(write.name);
      return null;
    });
    this.#catalog = this.#newCatalog();
    this.#schedule = new GroupSchedule();
    this.#rates = new RateTracker();
    this.#latency = new LatencyRing();
    this.#rounds = 0;
    this.#problem = null;
    // State read back from the bus (another node, or before a restart) is what was published last.
    const seeded = this.#reducer.state();
    this.#catalog.seed(seeded.topics, seeded.groups);
    await this.#platform.start(
      (status) => {
        if (this.#state !== 'running') return;
        if (status.state === 'connected') {
          this.#problem = null;
          ctx.setHealth(this.#component, 'healthy', `connected to ${status.server}`);
          this.#requestRound();
        } else {
          ctx.setHealth(this.#component, 'unhealthy', status.detail);
          // Tell viewers at once; rounds skip the platform while it is away.
          this.#requestRound();
        }
      },
      (hint) => this.#onHint(hint),
    );
    this.#scheduleNextRound();
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#stopServing?.();
    this.#stopServing = undefined;
    clearTimeout(this.#timer);
    await this.#round?.catch(() => undefined);
    await this.#platform.close();
  }

  /**
   * Published topics, sorted by name: from the latest readings on the node that runs the source,
   * from the `console` state (read back from the bus) on the others. Throws a `PlatformError`
   * `unreachable` while the running source is disconnected (the state would be stale).
   */
  topics(): ConsoleTopic[] {
    if (!this.running) return [...this.#reducer.state().topics];
    this.#requireConnected();
    return this.#catalog.topics();
  }

  /** Published groups, of one topic or all, like {@link topics}; `not_found` for an unknown topic. */
  groups(topic?: string): ConsoleGroup[] {
    if (!this.running) {
      const state = this.#reducer.state();
      if (topic !== undefined && !state.topics.some((t) => t.name === topic))
        throw new PlatformError('not_found', `no topic "${topic}"`);
      return state.groups.filter((g) => topic === undefined || g.topic === topic);
    }
    this.#requireConnected();
    if (topic !== undefined && this.#catalog.topic(topic) === undefined)
      throw new PlatformError('not_found', `no topic "${topic}"`);
    return this.#catalog.groups(topic);
  }

  /**
   * Called by the routes with the server's context: on a node that does not run the console, writes
   * are relayed to the node that does (see `write-relay.ts`).
   */
  attach(ctx: SourceContext): void {
    if (ctx.cluster.shared) this.#relay ??= new WriteRelay(ctx.cluster.channel, this.cluster);
  }

  /**
   * Creates a topic and publishes `topic_created` before resolving with it. On a node that does not
   * run the console, the write is relayed to the one that does.
   */
  async createTopic(spec: TopicSpec): Promise<ConsoleTopic> {
    if (!this.running && this.#relay !== undefined) {
      const topic = await this.#relay.send({ op: 'create', spec });
      if (topic === null) throw new PlatformError('rejected', 'the console node answered without the topic');
      return topic;
    }
    this.#requireConnected();
    const stamp = this.#catalog.stamp();
    const topic = await this.#platform.createTopic(spec);
    this.#rates.baseline(topic, this.#options.now());
    await this.#publish(this.#catalog.refreshTopic(topic.name, topic, stamp, this.#options.now()));
    return topic;
  }

  /** Deletes a topic and publishes `group_deleted`s and `topic_deleted` before resolving (relayed like create). */
  async deleteTopic(name: string): Promise<void> {
    if (!this.running && this.#relay !== undefined) {
      await this.#relay.send({ op: 'delete', name });
      return;
    }
    this.#requireConnected();
    const stamp = this.#catalog.stamp();
    await this.#platform.deleteTopic(name);
    await this.#publish(this.#catalog.refreshTopic(name, null, stamp, this.#options.now()));
  }

  #requireConnected(): void {
    if (!this.running)
      throw new PlatformError('unreachable', `the console of cluster ${this.cluster} is not running on this node`);
    if (!this.#platform.connected) throw new PlatformError('unreachable', `cluster ${this.cluster} is not reachable`);
  }

  #scheduleNextRound(): void {
    if (this.#state !== 'running') return;
    this.#timer = setTimeout(() => this.#requestRound(), this.#options.metricsIntervalMs);
    this.#timer.unref?.();
  }

  /** Runs a round now, or right after the running one; rounds never overlap. */
  #requestRound(): void {
    if (this.#state !== 'running') return;
    if (this.#round !== undefined) {
      this.#roundAgain = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#round = this.#runRound()
      .catch((error: unknown) => this.#ctx?.log.warn({ err: error }, 'console round failed'))
      .finally(() => {
        this.#round = undefined;
        if (this.#roundAgain) {
          this.#roundAgain = false;
          this.#requestRound();
        } else this.#scheduleNextRound();
      });
  }

  async #runRound(): Promise<void> {
    const opts = this.#options;
    const started = opts.now();
    const round = this.#rounds + 1;
    if (!this.#platform.connected) {
      await this.#publish(this.#metricsDrafts(round, [], [], null, null));
      this.#rounds = round;
      return;
    }
    const requestsAtStart = this.#platform.requests;
    const deadline = started + opts.roundBudgetMs;
    const overBudget = (): boolean =>
      opts.now() >= deadline || this.#platform.requests - requestsAtStart >= opts.maxRequestsPerRound;
    let topicRates: TopicRates[] | null = null;
    let topicsComplete = true;
    let refreshed = 0;
    try {
      // 1. Every topic, page by page.
      const topicStamp = this.#catalog.stamp();
      const listed: ConsoleTopic[] = [];
      for await (const page of this.#platform.topics()) {
        listed.push(...page);
        if (overBudget()) {
          topicsComplete = false;
          break;
        }
      }
      const sampledAt = opts.now();
      topicRates = listed.map((t) => this.#rates.sampleTopic(t, sampledAt));
      // Topics that received messages have groups whose lag moved: read them first, every round,
      // rather than when the round-robin sweep comes by (seconds later on a large cluster).
      for (const r of topicRates) if ((r.messagesPerSecond ?? 0) > 0) this.#schedule.hint(r.name);
      const drafts = this.#catalog.reconcileTopics(listed, topicsComplete, topicStamp, sampledAt);
      await this.#publish(drafts);

      // 2. Groups of as many topics as the budget allows.
      const needGroups = this.#catalog
        .topics()
        .filter((t) => t.consumers > 0)
        .map((t) => t.name);
      for (const topic of this.#catalog.topics())
        if (topic.consumers === 0 && this.#catalog.groups(topic.name).length > 0)
          await this.#publish(this.#catalog.reconcileGroups(topic.name, [], this.#catalog.stamp(), opts.now()));
      const order = this.#schedule.order(needGroups, started);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < order.length && !overBudget() && this.#state === 'running') {
          const topic = order[next++]!;
          await this.#readGroups(topic, true);
          this.#schedule.visited(topic, opts.now());
          refreshed += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(opts.concurrency, order.length) }, worker));

      // 3. Cluster facts and canary (never skipped by the budget: two or three requests).
      this.#cluster = await this.#platform.cluster();
      this.#clusterAt = new Date(opts.now()).toISOString();
      let canary: CanaryLatency | null = null;
      if (opts.canary && this.#platform.measureLatency !== undefined) {
        this.#latency.add(await this.#platform.measureLatency(opts.canarySamples));
        canary = this.#latency.summary();
      }

      // 4. Rates and cost.
      const cost: RoundCost = {
        requests: this.#platform.requests - requestsAtStart,
        durationMs: opts.now() - started,
        topicsWithGroupsRefreshed: refreshed,
        complete: topicsComplete && this.#schedule.remaining === 0,
      };
      this.#lastCost = cost;
      this.#report(cost.requests, cost.durationMs, cost.complete, false);
      await this.#publish(this.#roundMetrics(round, topicRates, topicsComplete, canary, cost));
      this.#checkSweep(started);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.#platform.connected) this.#degrade(`round failed: ${message}`);
      const cost: RoundCost = {
        requests: this.#platform.requests - requestsAtStart,
        durationMs: opts.now() - started,
        topicsWithGroupsRefreshed: refreshed,
        complete: false,
      };
      this.#report(cost.requests, cost.durationMs, false, true);
      // The readings made before the failure (e.g. a slow account-info request) are now every
      // topic's and group's previous sample: their rates go out here, or the traffic they measured
      // would never be shown (the next round's rates start from them).
      if (topicRates !== null) {
        const canary = opts.canary && this.#platform.measureLatency !== undefined ? this.#latency.summary() : null;
        await this.#publish(this.#roundMetrics(round, topicRates, topicsComplete, canary, cost)).catch(() => undefined);
      }
      throw error;
    } finally {
      this.#rounds = round;
    }
  }

  /** `metrics_updated` of a connected round from the rates it read; forgets rates of what is gone. */
  #roundMetrics(
    round: number,
    topicRates: readonly TopicRates[],
    topicsComplete: boolean,
    canary: CanaryLatency | null,
    cost: RoundCost,
  ): EventDraft[] {
    const known = new Set(this.#catalog.topics().map((t) => t.name));
    const groups = this.#catalog.groups();
    this.#rates.retain(known, new Set(groups.map((g) => groupKey(g.topic, g.name))));
    const rates = topicsComplete ? topicRates : this.#rates.topicRates(known);
    return this.#metricsDrafts(round, rates, this.#rates.groupRates(groups), canary, cost);
  }

  #report(requests: number, durationMs: number, complete: boolean, failed: boolean): void {
    this.#options.telemetry?.round({
      cluster: this.cluster,
      requests,
      durationSeconds: durationMs / 1000,
      complete,
      failed,
      topics: this.#catalog.topics().length,
      groups: this.#catalog.groupCount,
    });
  }

  /**
   * Reads every group of a topic and publishes the differences; `sample` also records rates. A topic
   * found missing is published as deleted (`group_deleted`s, then `topic_deleted`) at once: the
   * advisory of a consumer deleted with its stream leads here, and the stream's own advisory may
   * never come (see `nats/advisories.ts`).
   */
  async #readGroups(topic: string, sample: boolean): Promise<void> {
    const stamp = this.#catalog.stamp();
    const listed: ConsoleGroup[] = [];
    const at = (): number => this.#options.now();
    try {
      for await (const page of this.#platform.groups(topic)) {
        for (const { group, delivered } of page) {
          listed.push(group);
          if (sample) this.#rates.sampleGroup(group.topic, group.name, delivered, group.lag, at());
        }
      }
    } catch (error) {
      if (!(error instanceof PlatformError && error.kind === 'not_found')) throw error;
      await this.#publish(this.#catalog.refreshTopic(topic, null, stamp, at()));
      return;
    }
    await this.#publish(this.#catalog.reconcileGroups(topic, listed, stamp, at()));
  }

  /** A hint re-reads its topic at once; hints for a topic already being re-read are coalesced. */
  #onHint(hint: ChangeHint): void {
    if (this.#state !== 'running') return;
    this.#schedule.hint(hint.topic);
    if (this.#hintsRunning.has(hint.topic)) {
      const queued = this.#hintsAgain.get(hint.topic);
      this.#hintsAgain.set(hint.topic, queued === 'topic' ? 'topic' : hint.kind);
      return;
    }
    this.#hintsRunning.add(hint.topic);
    void this.#applyHint(hint)
      .catch((error: unknown) => this.#ctx?.log.debug({ err: error, hint }, 'console hint re-read failed'))
      .finally(() => {
        this.#hintsRunning.delete(hint.topic);
        const again = this.#hintsAgain.get(hint.topic);
        if (again !== undefined) {
          this.#hintsAgain.delete(hint.topic);
          this.#onHint({ kind: again, topic: hint.topic });
        }
      });
  }

  async #applyHint(hint: ChangeHint): Promise<void> {
    if (hint.kind === 'topic') {
      const stamp = this.#catalog.stamp();
      const topic = await this.#platform.topic(hint.topic);
      if (topic !== null) this.#rates.baseline(topic, this.#options.now());
      await this.#publish(this.#catalog.refreshTopic(hint.topic, topic, stamp, this.#options.now()));
      if (topic !== null && topic.consumers > 0) await this.#readGroups(hint.topic, false);
    } else {
      // The topic itself may be new to us (its advisory and the consumer's arrive together).
      if (this.#catalog.topic(hint.topic) === undefined) {
        const stamp = this.#catalog.stamp();
        const topic = await this.#platform.topic(hint.topic);
        await this.#publish(this.#catalog.refreshTopic(hint.topic, topic, stamp, this.#options.now()));
      }
      await this.#readGroups(hint.topic, false);
    }
  }

  #clusterHealth(): ConsoleCluster {
    const c = this.#cluster;
    return {
      name: this.#options.cluster,
      platform: this.#platform.kind,
      connected: this.#platform.connected,
      server: c?.server ?? null,
      version: c?.version ?? null,
      connections: c?.connections ?? null,
      jetstream: c?.jetstream ?? null,
      lagAlertThreshold: this.#options.lagAlertThreshold,
      updatedAt: this.#clusterAt,
    };
  }

  /**
   * `metrics_updated` of a round: the active topics and groups (rate above 0; absent means idle),
   * split into parts of at most `maxItemsPerEvent`, with the cluster-wide totals in part 1.
   */
  #metricsDrafts(
    round: number,
    allTopics: readonly TopicRates[],
    allGroups: readonly GroupRates[],
    canary: CanaryLatency | null,
    cost: RoundCost | null,
  ): EventDraft[] {
    const topics = allTopics.filter((t) => (t.messagesPerSecond ?? 0) > 0 || (t.bytesPerSecond ?? 0) > 0);
    const groups = allGroups.filter((g) => (g.deliveredPerSecond ?? 0) > 0);
    const sum = (values: readonly (number | null)[]): number =>
      Math.round(values.reduce<number>((n, v) => n + (v ?? 0), 0) * 100) / 100;
    const totals: RoundTotals = {
      topics: this.#catalog.topics().length,
      groups: this.#catalog.groupCount,
      messagesPerSecond: sum(topics.map((t) => t.messagesPerSecond)),
      bytesPerSecond: sum(topics.map((t) => t.bytesPerSecond)),
      deliveredPerSecond: sum(groups.map((g) => g.deliveredPerSecond)),
    };
    const per = this.#options.maxItemsPerEvent;
    const parts = Math.max(1, Math.ceil((topics.length + groups.length) / per));
    const drafts: EventDraft[] = [];
    for (let part = 0; part < parts; part += 1) {
      const from = part * per;
      const to = from + per;
      const data: ConsoleMetrics = {
        round,
        part: part + 1,
        parts,
        intervalMs: this.#options.metricsIntervalMs,
        cluster: part === 0 ? this.#clusterHealth() : null,
        canary: part === 0 ? canary : null,
        cost: part === 0 ? cost : null,
        totals: part === 0 ? totals : null,
        topics: topics.slice(Math.min(from, topics.length), Math.min(to, topics.length)),
        groups: groups.slice(Math.max(0, from - topics.length), Math.max(0, to - topics.length)),
      };
      drafts.push({
        topic: CONSOLE_TOPIC,
        type: CONSOLE_EVENTS.metricsUpdated,
        source: this.name,
        labels: { cluster: this.#options.cluster },
        data,
      });
    }
    return drafts;
  }

  /** A sweep slower than the reconcile interval means the budget is too small for the cluster. */
  #checkSweep(now: number): void {
    const startedAt = this.#schedule.sweepStartedAt;
    const late = startedAt !== undefined && now - startedAt > this.#options.reconcileIntervalMs;
    if (late)
      this.#degrade(
        `a full sweep of consumer groups takes over ${this.#options.reconcileIntervalMs} ms; raise console.maxRequestsPerRound`,
      );
    else if (this.#problem !== null) {
      this.#problem = null;
      this.#ctx?.setHealth(this.#component, 'healthy', `connected to ${this.#cluster?.server ?? 'unknown'}`);
    }
  }

  #degrade(problem: string): void {
    this.#problem = problem;
    this.#ctx?.setHealth(this.#component, 'degraded', problem);
  }

  async #publish(drafts: readonly EventDraft[]): Promise<void> {
    if (drafts.length === 0 || this.#ctx === undefined) return;
    await this.#ctx.publish(drafts);
  }
}
