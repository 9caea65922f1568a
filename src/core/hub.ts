import { TRANSPORT_NAMES } from '@livegate/protocol';
import { LivegateError } from '../errors.js';
import type { Bus, BusHealth } from './bus.js';
import { systemClock, type Clock } from './clock.js';
import { DemandTracker, type DemandSpec } from './demand.js';
import { Dispatcher } from './dispatcher.js';
import { stampDraft } from './draft-validation.js';
import { SNAPSHOT_TYPE, type LiveEvent, type StampedDraft } from './event.js';
import { formatEventId, parseEventId } from './event-id.js';
import type { CompiledFilter } from './filter.js';
import { HistoryReads } from './history-reads.js';
import { MatcherBudget, type MatcherBudgetLimits } from './matcher-budget.js';
import { ReservedNames } from './reserved-names.js';
import { NOOP_OBSERVER, type HubObserver } from './observer.js';
import { closeReasonFor, type CloseReason, type Outbound, type TransportKind } from './outbound.js';
import { ReplayWindow, type ReplayWindowOptions } from './replay-window.js';
import { resumePoint, safeResumePosition, truncate, type ResetReason, type ResumePoint } from './resume.js';
import { SerializedEvent } from './serialized-event.js';
import {
  Session,
  type DirectCounter,
  type QueueLimits,
  type SessionHost,
  type SessionInfo,
  type SessionInit,
} from './session.js';
import type { StateReducer } from './state-topic.js';
import { Subscription, type BatchOptions } from './subscription.js';
import { TimerWheel } from './timer-wheel.js';

export type { HubObserver } from './observer.js';
export type { ResetReason, ResumePoint } from './resume.js';

/** Options of a {@link Hub}. */
export interface HubOptions {
  /** The bus (see `createBus` in `src/bus/`). Required: the core does not pick an implementation. */
  bus: Bus;
  /** Monotonic clock for sessions, delivery latency and the wheel. Defaults to `performance.now()`. */
  clock?: Clock;
  /**
   * The timer wheel for heartbeats, timeouts and batch flushes. Defaults to a wheel on `clock` with
   * 25 ms ticks and 4,096 slots; a test passes one it advances itself.
   */
  timers?: TimerWheel;
  /** Replay window bounds. Defaults to 10,000 events / 64 MiB. */
  window?: ReplayWindowOptions;
  /** Per-connection queue bounds. Defaults to 256 events / 1 MiB. */
  queue?: Partial<QueueLimits>;
  /** Most subscriptions on one connection. Defaults to 32. */
  maxSubscriptionsPerSession?: number;
  /** Label-matching work subscriptions may ask of each event (see `matcher-budget.ts`). Defaults to 1,024 per connection, 4,096 in total. */
  matcherBudget?: Partial<MatcherBudgetLimits>;
  /** Metrics hooks. Defaults to no-ops. */
  observer?: HubObserver;
  /** Default `source` of drafts without one. Defaults to `api`. */
  defaultSource?: string;
  /**
   * Events per read of the bus's history, for resumes older than the window (only with a bus that
   * {@link Bus.retainsHistory}). Defaults to 512.
   */
  historyPage?: number;
  /**
   * Most subscriptions that read a page of the bus's history or hold one at once, across every
   * connection; the rest wait their turn (see `history-reads.ts`). Defaults to 16.
   */
  maxHistoryReads?: number;
  /**
   * Told about a failure inside a task the hub runs for others (a source's release hook, a demand
   * listener, a timer task of the default wheel); the hub goes on. Defaults to `console.error`; the
   * server passes its logger.
   */
  onError?: (err: unknown, context: string) => void;
}

/** What a subscribe call asks for. */
export interface SubscribeRequest {
  /** Compiled (and already authorized) filter. */
  readonly filter: CompiledFilter;
  /** Resume position: deliver what came after this id. */
  readonly since?: string;
  /**
   * With `since`: state topics to send a snapshot of instead of their missed events — the topics a
   * filter change newly covers. The other topics resume from `since`; these are skipped while the
   * subscription catches up and are snapshotted at the head when it turns live, so the client's
   * one stream stays in order (replayed events, snapshots at the head, then live). Topics that are
   * not state topics here or not covered by the filter are ignored; without `since` (or when the
   * resume is impossible) every covered state topic gets its snapshot anyway.
   */
  readonly snapshot?: readonly string[];
  /** Batching, or `null` for one message per event. */
  readonly batch?: BatchOptions | null;
  /** Called with the new subscription id before anything is queued for it (WebSocket `subscribed`). */
  readonly announce?: (subscriptionId: string) => void;
}

/** Deep-resume figures (see {@link HubOptions.maxHistoryReads}) for metrics. */
export interface HistoryReadInfo {
  /** Subscriptions reading or holding a page of the bus's history now. */
  readonly holding: number;
  /** Subscriptions waiting for their turn to read. */
  readonly waiting: number;
  /** Times a subscription had to wait for its turn, since start. */
  readonly waited: number;
  /** The bound on {@link holding}. */
  readonly max: number;
}

/** Replay window figures for `/api/v2/info`, metrics and stats. */
export interface WindowInfo {
  readonly events: number;
  readonly bytes: number;
  readonly firstSeq: number;
  readonly headSeq: number;
}

/**
 * The core: validates and stamps drafts, appends them to the bus, and turns the bus's ordered
 * stream into deliveries (bus → hub → dispatcher → session queue → writer). Owns the replay
 * window, the state reducers, the dispatcher, the sessions and the shared timer wheel, all private;
 * the layers above use its methods. Knows subscriptions, never sockets.
 */
export class Hub {
  private readonly bus: Bus;
  private readonly clock: Clock;
  private readonly timers: TimerWheel;
  private readonly window: ReplayWindow;
  private readonly dispatcher = new Dispatcher();
  private readonly sessions = new Map<string, Session>();
  private readonly observer: HubObserver;
  private readonly reducers = new Map<string, StateReducer>();
  private readonly demand: DemandTracker;
  private readonly queueLimits: QueueLimits;
  private readonly maxSubscriptions: number;
  private readonly matcherBudget: MatcherBudget;
  private readonly defaultSource: string;
  private readonly historyPage: number;
  private readonly historyReads: HistoryReads<Subscription>;
  /** The session of each subscription that holds or waits for a history slot. */
  private readonly historyOwners = new Map<Subscription, Session>();
  private historyWaits = 0;
  private readonly onError: (err: unknown, context: string) => void;
  private readonly host: SessionHost;
  private dirty: Session[] = [];
  private flushPending = false;
  /** Event-loop tick number for the sessions' fast path; the flush pass starts a new one. */
  private tick = 1;
  /** While a bus delivery of several events is dispatched: sessions queue, the flush pass coalesces. */
  private bursting = false;
  /** Fast-path writes of the event being dispatched, by transport (reported after its dispatch). */
  private readonly directWrites: Record<TransportKind, DirectCounter> = { sse: { n: 0 }, ws: { n: 0 }, poll: { n: 0 } };
  private nextSessionId = 1;
  private started = false;
  private headId = '';
  /** Events received from the bus since start (replayed history included). */
  publishedCount = 0;
  /**
   * Topics and sources that belong to the server's own sources (`reserved-names.ts`); every state
   * topic registered here is added. The publish API refuses them to clients.
   */
  readonly reserved = new ReservedNames();

  constructor(options: HubOptions) {
    this.bus = options.bus;
    this.clock = options.clock ?? systemClock;
    this.window = new ReplayWindow(options.window);
    this.queueLimits = {
      maxEvents: options.queue?.maxEvents ?? 256,
      maxBytes: options.queue?.maxBytes ?? 1024 * 1024,
    };
    this.maxSubscriptions = options.maxSubscriptionsPerSession ?? 32;
    this.matcherBudget = new MatcherBudget(options.matcherBudget);
    this.observer = options.observer ?? NOOP_OBSERVER;
    this.defaultSource = options.defaultSource ?? 'api';
    this.historyPage = options.historyPage ?? 512;
    this.historyReads = new HistoryReads<Subscription>(
      options.maxHistoryReads ?? 16,
      // A page held by a connection that stopped reading goes back to the bus: its cursor keeps
      // the place, and another client reads meanwhile.
      (sub) => !sub.reading && this.historyOwners.get(sub)?.blocked === true,
      (sub) => {
        sub.history = [];
        this.historyOwners.delete(sub);
      },
    );
    this.onError = options.onError ?? ((err, context) => console.error(`livegate: ${context} failed`, err));
    this.demand = new DemandTracker(this.onError);
    this.timers =
      options.timers ??
      new TimerWheel({
        tickMs: 25,
        slots: 4096,
        now: () => this.clock.now(),
        onError: (err) => this.onError(err, 'timer task'),
      });
    // The session's upward interface; closures keep the hub's internals private.
    this.host = {
      clock: this.clock,
      timers: this.timers,
      observer: this.observer,
      requestFlush: (session) => this.requestFlush(session),
      directCounter: (kind) => this.directWrites[kind],
      advanceCatchup: (session, budget) => this.advanceCatchup(session, budget),
      slowConsumer: (session) => this.slowConsumer(session),
      detach: (session) => this.detach(session),
    };
  }

  /** Registers a state topic's reducer. Only before {@link start}. */
  registerState(reducer: StateReducer): void {
    if (this.started) throw new Error(`Hub: state topic "${reducer.topic}" must be registered before start`);
    if (this.reducers.has(reducer.topic)) throw new Error(`Hub: state topic "${reducer.topic}" registered twice`);
    this.reducers.set(reducer.topic, reducer);
    this.reserved.reserveTopic(reducer.topic);
  }

  /**
   * Registers a demand listener: it is told when the first subscription naming one of its topics
   * appears and when the last one goes. Only before {@link start}.
   */
  registerDemand(spec: DemandSpec): void {
    if (this.started) throw new Error('Hub: demand must be registered before start');
    this.demand.register(spec);
  }

  /** Topics that keep state and send snapshots. */
  get stateTopics(): string[] {
    return [...this.reducers.keys()];
  }

  /**
   * Starts the bus. The bus replays the history it retains before this resolves, so the replay
   * window and the state reducers are filled before the server serves anyone.
   */
  async start(): Promise<void> {
    if (this.started) return;
    await this.bus.start((events) => this.onBusEvents(events), null);
    // A shared bus knows its epoch only once started; replayed history already moved the head.
    if (this.headId === '') this.headId = formatEventId(this.bus.epoch, 0);
    this.started = true;
  }

  /** Id of the newest event (or `<epoch>-0` before any): where a fresh subscriber starts. */
  get head(): string {
    return this.headId;
  }

  /** The bus epoch: ids of another epoch are answered with a `reset`. */
  get epoch(): string {
    return this.bus.epoch;
  }

  /** The bus kind (`memory`, `redis`), for logs and `/api/v2/info`. */
  get busKind(): string {
    return this.bus.kind;
  }

  /** Current bus health. */
  busHealth(): BusHealth {
    return this.bus.health();
  }

  /** Calls `listener` on every change of bus health; returns a function that removes it. */
  onBusHealth(listener: (health: BusHealth) => void): () => void {
    return this.bus.onHealth(listener);
  }

  /** Validates, stamps and appends drafts (an object or an array). Resolves to their ids. */
  async publish(input: unknown, defaultSource = this.defaultSource): Promise<string[]> {
    const drafts = this.stamp(input, defaultSource);
    // A memory bus dispatches inside append, synchronously, before this await resumes.
    const events = await this.bus.append(drafts);
    return events.map((e) => e.id);
  }

  /** Validation and defaults of {@link publish}, without appending; throws `invalid_event`. */
  stamp(input: unknown, defaultSource = this.defaultSource): StampedDraft[] {
    const now = new Date().toISOString();
    if (Array.isArray(input)) {
      return input.map((draft, i) => stampDraft(draft, now, defaultSource, `[${i}].`));
    }
    return [stampDraft(input, now, defaultSource)];
  }

  /** Opens a session for a new connection. Limits are checked by the caller. */
  openSession(init: SessionInit): Session {
    const session = new Session(`c${this.nextSessionId++}`, this.host, init, this.queueLimits);
    this.sessions.set(session.id, session);
    this.observer.sessionOpened(session.kind);
    return session;
  }

  /** The open session with this id, if any. */
  getSession(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** Every open session. */
  listSessions(): Session[] {
    return [...this.sessions.values()];
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The connections-list rows. */
  sessionInfo(): SessionInfo[] {
    return this.listSessions().map((s) => s.info());
  }

  /** Closes one session; `false` when there is none with that id. */
  closeSession(id: string, reason: CloseReason): boolean {
    const session = this.sessions.get(id);
    if (session === undefined) return false;
    session.close(reason);
    return true;
  }

  /** Number of event subscriptions in the dispatcher. */
  get subscriptionCount(): number {
    return this.dispatcher.size;
  }

  /** Cost of the distinct regexes of every live subscription (see `matcher-budget.ts`). */
  get matcherCost(): number {
    return this.matcherBudget.total;
  }

  /** Events queued in session queues, summed. */
  get queuedCount(): number {
    let queued = 0;
    for (const s of this.sessions.values()) queued += s.queued;
    return queued;
  }

  /** Deep-resume figures. */
  historyReadInfo(): HistoryReadInfo {
    const reads = this.historyReads;
    return { holding: reads.holding, waiting: reads.queued, waited: this.historyWaits, max: reads.max };
  }

  /** Replay window figures. */
  windowInfo(): WindowInfo {
    const w = this.window;
    return { events: w.length, bytes: w.size, firstSeq: w.firstSeq, headSeq: w.headSeq };
  }

  /** The events in the replay window, oldest first (diagnostics and tests). */
  windowEvents(): SerializedEvent[] {
    const out: SerializedEvent[] = new Array(this.window.length);
    for (let i = 0; i < out.length; i++) out[i] = this.window.at(i);
    return out;
  }

  /** Monotonic time on the hub's clock. */
  now(): number {
    return this.clock.now();
  }

  /** Fires the timer tasks that are due by now; the wheel's own timer normally does this. */
  advanceTimers(): void {
    this.timers.advance();
  }

  /** Where a subscription resuming from `since` would start (see `core/resume.ts`). */
  resumePointOf(since: string): ResumePoint {
    return resumePoint(since, this.bus.epoch, this.window);
  }

  /** The position a session may safely resume from (sent with heartbeats); see `core/resume.ts`. */
  resumePosition(session: Session): string | null {
    return safeResumePosition(session.subscriptions.values(), this.headId);
  }

  /**
   * Adds a subscription to a session and starts it: replay from `since` when it is inside the
   * window; from the bus's history when the window was trimmed past it but the bus retains more
   * ({@link Bus.retainsHistory}); otherwise (no `since`, foreign epoch, trimmed) snapshots of the
   * covered state topics, preceded by a `reset` when a resume was asked for but is impossible.
   */
  subscribe(session: Session, request: SubscribeRequest): Subscription {
    this.checkSubscriptionRoom(session);
    this.matcherBudget.check(matcherCost(session), request.filter);
    const point = request.since === undefined ? null : resumePoint(request.since, this.bus.epoch, this.window);
    const sub = new Subscription(session.newSubscriptionId(), request.filter, request.batch ?? null);
    session.subscriptions.set(sub.id, sub);
    request.announce?.(sub.id);
    if (point?.kind === 'replay') {
      sub.mode = 'catchup';
      sub.cursor = point.seq;
      sub.snapshotOnLive = this.snapshotTopics(sub, request.snapshot);
      session.scheduleFlush();
    } else if (point?.kind === 'reset' && point.reason === 'window_trimmed' && this.bus.retainsHistory) {
      sub.mode = 'history';
      sub.cursor = parseEventId(request.since!)!.seq;
      sub.snapshotOnLive = this.snapshotTopics(sub, request.snapshot);
      session.scheduleFlush();
    } else {
      if (point?.kind === 'reset') this.sendReset(session, sub, point.reason);
      this.sendSnapshots(session, sub);
    }
    this.dispatcher.add(session, sub);
    this.matcherBudget.add(sub.filter);
    this.demand.added(sub.filter);
    return sub;
  }

  /**
   * Adds a subscription a source serves itself (a subscribe extension such as `metrics`): it counts
   * toward the connection's limit and appears in the connections list, but receives no bus events.
   * `open` runs with its id and returns the hook run when it ends.
   */
  subscribeExtension(
    session: Session,
    key: string,
    filter: CompiledFilter,
    open: (subscriptionId: string) => () => void,
  ): Subscription {
    this.checkSubscriptionRoom(session);
    const sub = new Subscription(session.newSubscriptionId(), filter, null, key);
    session.subscriptions.set(sub.id, sub);
    let release: () => void;
    try {
      release = open(sub.id);
    } catch (err) {
      session.subscriptions.delete(sub.id);
      throw err;
    }
    sub.setRelease(() => {
      try {
        release();
      } catch (err) {
        this.onError(err, `release of a ${key} subscription`);
      }
    });
    // Ended (or its connection closed) while it was being opened: release it now.
    if (session.state !== 'open' || session.subscriptions.get(sub.id) !== sub) sub.release();
    return sub;
  }

  /** Removes one subscription from its session. */
  unsubscribe(session: Session, subscriptionId: string): void {
    const sub = session.subscriptions.get(subscriptionId);
    if (sub === undefined)
      throw new LivegateError(
        'subscription_not_found',
        `no subscription "${truncate(subscriptionId)}" on this connection`,
        { field: 'subscription' },
      );
    session.releaseBatch(sub);
    sub.release();
    session.subscriptions.delete(subscriptionId);
    this.removeFromDispatch(sub);
  }

  /** Closes every session with `reason` (used at shutdown) and stops the timers and the bus. */
  async stop(reason: CloseReason): Promise<void> {
    // Each close hands over what is queued before the notice (see Session.close).
    for (const session of [...this.sessions.values()]) session.close(reason);
    this.timers.stop();
    await this.bus.stop();
  }

  /** Builds the snapshot event of one state topic for one subscription. */
  snapshotEvent(topic: string, filter: CompiledFilter): SerializedEvent | null {
    const reducer = this.reducers.get(topic);
    if (reducer === undefined) return null;
    const data = reducer.snapshot((labels) => filter.matchesLabels(labels));
    const event: LiveEvent = {
      id: this.headId,
      seq: this.window.headSeq,
      topic,
      type: SNAPSHOT_TYPE,
      source: 'livegate',
      time: new Date().toISOString(),
      labels: {},
      data,
    };
    return new SerializedEvent(event, this.clock.now());
  }

  /** The requested topics that are state topics the subscription covers, without repeats. */
  private snapshotTopics(sub: Subscription, requested: readonly string[] | undefined): readonly string[] {
    if (requested === undefined || requested.length === 0) return [];
    return [...new Set(requested)].filter((t) => this.reducers.has(t) && sub.filter.coversTopic(t));
  }

  /** Whether a catching-up subscription delivers `event` (not one of the topics it will snapshot). */
  private catchesUp(sub: Subscription, event: SerializedEvent): boolean {
    return (
      sub.filter.test(event.event) &&
      (sub.snapshotOnLive.length === 0 || !sub.snapshotOnLive.includes(event.event.topic))
    );
  }

  /** Appends the snapshots a resuming subscription asked for, now that it reached the head. */
  private snapshotsOnLive(sub: Subscription, items: Outbound[]): void {
    for (const topic of sub.snapshotOnLive) {
      const event = this.snapshotEvent(topic, sub.filter);
      if (event !== null) items.push({ kind: 'event', sub: sub.id, event });
    }
    sub.snapshotOnLive = [];
  }

  private checkSubscriptionRoom(session: Session): void {
    if (session.subscriptions.size >= this.maxSubscriptions) {
      throw new LivegateError(
        'too_many_subscriptions',
        `at most ${this.maxSubscriptions} subscriptions per connection`,
      );
    }
  }

  /** A catching-up subscription reached the head (or gave up): dispatched events now go to it. */
  private goLive(sub: Subscription): void {
    sub.mode = 'live';
    this.dispatcher.live(sub);
  }

  private removeFromDispatch(sub: Subscription): void {
    if (sub.extension !== null) return;
    this.releaseHistory(sub);
    this.dispatcher.remove(sub);
    this.matcherBudget.remove(sub.filter);
    this.demand.removed(sub.filter);
  }

  /**
   * Reads the replay window for a session's catching-up subscriptions, up to `budget` events per
   * subscription per pass, writing straight to the transport while it has room.
   */
  private advanceCatchup(session: Session, budget: number): void {
    for (const sub of session.subscriptions.values()) {
      if (sub.mode === 'history' && !session.blocked && session.state === 'open')
        this.advanceHistory(session, sub, budget);
      if (sub.mode !== 'catchup' || session.blocked || session.state !== 'open') continue;
      const start = this.window.indexAfter(sub.cursor);
      if (start === null) {
        // The window moved past the cursor while this client caught up slowly.
        this.goLive(sub);
        sub.snapshotOnLive = [];
        this.sendReset(session, sub, 'window_trimmed');
        this.sendSnapshots(session, sub);
        continue;
      }
      const end = Math.min(this.window.length, start + budget);
      const items: Outbound[] = [];
      for (let i = start; i < end; i++) {
        const event = this.window.at(i);
        sub.cursor = event.event.seq;
        if (this.catchesUp(sub, event)) items.push({ kind: 'event', sub: sub.id, event });
      }
      if (end === this.window.length) {
        this.goLive(sub);
        // The reducers hold exactly the state up to the head the catch-up reached: snapshot it here,
        // in the same write, so it follows the replayed events and precedes the live ones.
        if (sub.snapshotOnLive.length > 0) this.snapshotsOnLive(sub, items);
      }
      if (items.length > 0) session.writeOut(items, items.length, false);
      if (sub.mode === 'catchup') session.scheduleFlush();
    }
  }

  /**
   * Sends up to `budget` events of a `history` subscription's page; when the page is used up, its
   * cursor is either inside the window (it turns `catchup`) or the next page is read from the bus.
   */
  private advanceHistory(session: Session, sub: Subscription, budget: number): void {
    if (sub.history.length === 0) {
      if (this.window.lookup(sub.cursor).kind !== 'trimmed') {
        // The window covers the rest (or the head was reached): the ordinary catch-up takes over.
        sub.mode = 'catchup';
        return;
      }
      this.readHistory(session, sub);
      return;
    }
    const page = sub.history.splice(0, budget);
    // The page is used up: its slot goes to the next subscription in line; this one asks again.
    if (sub.history.length === 0) this.releaseHistory(sub);
    const items: Outbound[] = [];
    for (const event of page) {
      sub.cursor = event.event.seq;
      if (this.catchesUp(sub, event)) items.push({ kind: 'event', sub: sub.id, event });
    }
    if (items.length > 0) session.writeOut(items, items.length, false);
    session.scheduleFlush();
  }

  /**
   * Reads the next page of a `history` subscription from the bus once it has a slot (see
   * {@link HubOptions.maxHistoryReads}); one read in flight or waiting at a time.
   */
  private readHistory(session: Session, sub: Subscription): void {
    if (sub.reading || this.historyReads.waits(sub)) return;
    this.historyOwners.set(sub, session);
    this.historyReads.request(sub, () => this.fetchHistory(session, sub));
    if (this.historyReads.waits(sub)) this.historyWaits++;
  }

  /** Gives back `sub`'s history slot or its place in line, if it has either. */
  private releaseHistory(sub: Subscription): void {
    if (!this.historyOwners.delete(sub)) return;
    this.historyReads.release(sub);
  }

  /** Reads one page for `sub`, which holds a history slot, into {@link Subscription.history}. */
  private fetchHistory(session: Session, sub: Subscription): void {
    // Closed or moved on while it waited for its turn.
    if (sub.closed || session.state !== 'open' || sub.mode !== 'history') {
      this.releaseHistory(sub);
      return;
    }
    sub.reading = true;
    const giveUp = (): void => {
      this.releaseHistory(sub);
      // The bus no longer has the position (trimmed, new epoch) or cannot be read: as before
      // deep resumes existed, the client is told to start over from snapshots.
      this.goLive(sub);
      sub.history = [];
      sub.snapshotOnLive = [];
      this.sendReset(session, sub, 'window_trimmed');
      this.sendSnapshots(session, sub);
    };
    this.bus.read(formatEventId(this.bus.epoch, sub.cursor), this.historyPage).then(
      (page) => {
        sub.reading = false;
        if (sub.closed || session.state !== 'open' || sub.mode !== 'history') {
          this.releaseHistory(sub);
          return;
        }
        if (page === 'reset') giveUp();
        else {
          // Only what this node already holds: later events come through the window and the
          // dispatcher, in order, so nothing is sent twice.
          const now = this.clock.now();
          const head = this.window.headSeq;
          for (const event of page) if (event.seq <= head) sub.history.push(new SerializedEvent(event, now));
          if (sub.history.length === 0) {
            this.releaseHistory(sub);
            if (this.window.lookup(sub.cursor).kind === 'trimmed') giveUp();
          }
        }
        session.scheduleFlush();
      },
      (err: unknown) => {
        sub.reading = false;
        this.onError(err, 'read of the bus history for a resume');
        if (sub.closed || session.state !== 'open' || sub.mode !== 'history') {
          this.releaseHistory(sub);
          return;
        }
        giveUp();
        session.scheduleFlush();
      },
    );
  }

  /** Queues a session for this tick's flush pass. */
  private requestFlush(session: Session): void {
    this.dirty.push(session);
    if (this.flushPending) return;
    this.flushPending = true;
    setImmediate(this.flushAll);
  }

  /**
   * The current tick for the sessions' fast path (see `Session.enqueue`), or `0` during a burst.
   * Arms the flush pass, which ends the tick, so the next tick starts a new number even when no
   * session queued anything.
   */
  private directTick(): number {
    if (this.bursting) return 0;
    if (!this.flushPending) {
      this.flushPending = true;
      setImmediate(this.flushAll);
    }
    return this.tick;
  }

  /**
   * Reports the fast-path writes of one event's dispatch to the observer: one call per transport,
   * aged at the end of the dispatch (every write of it happened by then).
   */
  private reportDirect(event: SerializedEvent): void {
    const counts = this.directWrites;
    if (counts.ws.n + counts.sse.n + counts.poll.n === 0) return;
    const now = this.clock.now();
    for (const kind of TRANSPORT_NAMES) {
      const count = counts[kind].n;
      if (count === 0) continue;
      counts[kind].n = 0;
      if (this.observer.deliveredLive !== undefined) this.observer.deliveredLive(kind, count, now - event.acceptedAt);
      else {
        const item: Outbound = { kind: 'event', sub: '', event };
        for (let i = 0; i < count; i++) this.observer.delivered(kind, [item], now, true);
      }
    }
  }

  /** Closes a session whose queue overflowed. */
  private slowConsumer(session: Session): void {
    this.observer.slowConsumer(session.kind, session.queued);
    session.close(closeReasonFor('slow_consumer', 'client did not read fast enough; resume from the last event id'));
  }

  /** Called by a session as it closes: forgets it everywhere. */
  private detach(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    for (const sub of session.subscriptions.values()) this.removeFromDispatch(sub);
    this.observer.sessionClosed(session.kind, (this.clock.now() - session.openedMono) / 1000, 'closed');
  }

  private sendReset(session: Session, sub: Subscription, reason: ResetReason): void {
    session.pushUnbounded({
      kind: 'control',
      name: 'reset',
      sub: sub.id,
      data: { reason, lastEventId: this.headId },
    });
  }

  private sendSnapshots(session: Session, sub: Subscription): void {
    for (const topic of this.reducers.keys()) {
      if (!sub.filter.coversTopic(topic)) continue;
      const event = this.snapshotEvent(topic, sub.filter);
      if (event !== null) session.pushUnbounded({ kind: 'event', sub: sub.id, event });
    }
  }

  private readonly flushAll = (): void => {
    this.flushPending = false;
    this.tick++;
    const sessions = this.dirty;
    this.dirty = [];
    const now = this.clock.now();
    for (const session of sessions) {
      // One session's failure must not skip the others' flushes, nor escape the event loop.
      try {
        session.flush(now);
      } catch (err) {
        this.onError(err, `flush of connection ${session.id}`);
      }
    }
  };

  private onBusEvents(events: readonly LiveEvent[]): void {
    const now = this.clock.now();
    // Several events in one delivery arrive faster than a tick: every session queues them and the
    // flush pass writes each session's share in one write. A single event may take the fast path.
    this.bursting = events.length > 1;
    try {
      this.dispatchAll(events, now);
    } finally {
      this.bursting = false;
    }
  }

  private dispatchAll(events: readonly LiveEvent[], now: number): void {
    for (const event of events) {
      // A shared bus whose stream was flushed starts a new epoch with seq 1: the old window
      // cannot be resumed from any more (its ids now answer `reset`), so it starts over.
      if (event.seq <= this.window.headSeq) this.window.clear(event.seq - 1);
      const serialized = new SerializedEvent(event, now);
      this.window.append(serialized);
      this.headId = event.id;
      this.publishedCount++;
      this.reducers.get(event.topic)?.apply(event);
      this.observer.published(event);
      this.dispatcher.dispatch(serialized, this.directTick());
      this.reportDirect(serialized);
    }
  }
}

/** What the bus subscriptions of a session already cost to match. */
function matcherCost(session: Session): number {
  let cost = 0;
  for (const sub of session.subscriptions.values()) if (sub.extension === null) cost += sub.filter.cost;
  return cost;
}
