import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { LivegateError } from '../errors.js';
import { Dispatcher } from './dispatcher.js';
import { stampDraft } from './draft-validation.js';
import { SNAPSHOT_TYPE, type LiveEvent, type StampedDraft } from './event.js';
import { formatEventId, parseEventId } from './event-id.js';
import type { CompiledFilter } from './filter.js';
import type { CloseReason, Outbound, TransportKind } from './outbound.js';
import { ReplayWindow, type ReplayWindowOptions } from './replay-window.js';
import { SerializedEvent } from './serialized-event.js';
import { Session, type QueueLimits, type SessionInit } from './session.js';
import type { StateReducer } from './state-topic.js';
import { Subscription, type BatchOptions } from './subscription.js';
import { TimerWheel } from './timer-wheel.js';

/** Hooks the hub calls for metrics; the HTTP layer implements them with prom-client. */
export interface HubObserver {
  published(event: LiveEvent): void;
  /**
   * Items handed to a transport at monotonic time `now` (ms). `live` is false for replayed
   * (catch-up) items, whose age is not a delivery latency.
   */
  delivered(kind: TransportKind, items: readonly Outbound[], now: number, live: boolean): void;
  sessionOpened(kind: TransportKind): void;
  sessionClosed(kind: TransportKind, seconds: number, reason: string): void;
  slowConsumer(kind: TransportKind, dropped: number): void;
}

const NOOP_OBSERVER: HubObserver = {
  published() {},
  delivered() {},
  sessionOpened() {},
  sessionClosed() {},
  slowConsumer() {},
};

/** Options of a {@link Hub}. */
export interface HubOptions {
  /** The bus. Defaults to a new {@link MemoryBus}. */
  bus?: Bus;
  /** Replay window bounds. Defaults to 10,000 events / 64 MiB. */
  window?: ReplayWindowOptions;
  /** Per-connection queue bounds. Defaults to 256 events / 1 MiB. */
  queue?: Partial<QueueLimits>;
  /** Most subscriptions on one connection. Defaults to 32. */
  maxSubscriptionsPerSession?: number;
  /** Metrics hooks. Defaults to no-ops. */
  observer?: HubObserver;
  /** Default `source` of drafts without one. Defaults to `api`. */
  defaultSource?: string;
}

/** What a subscribe call asks for. */
export interface SubscribeRequest {
  /** Compiled (and already authorized) filter. */
  readonly filter: CompiledFilter;
  /** Resume position: deliver what came after this id. */
  readonly since?: string;
  /** Batching, or `null` for one message per event. */
  readonly batch?: BatchOptions | null;
  /** Called with the new subscription id before anything is queued for it (WebSocket `subscribed`). */
  readonly announce?: (subscriptionId: string) => void;
}

/** Why a resuming subscription was reset instead. */
export type ResetReason = 'epoch_changed' | 'window_trimmed' | 'unknown_position';

/**
 * The core: validates and stamps drafts, appends them to the bus, and turns the bus's ordered
 * stream into deliveries. Owns the replay window, the state reducers, the dispatcher, the
 * sessions and the shared timer wheel. Knows subscriptions, never sockets.
 */
export class Hub {
  readonly bus: Bus;
  readonly window: ReplayWindow;
  readonly dispatcher = new Dispatcher();
  readonly timers = new TimerWheel({ tickMs: 25, slots: 4096 });
  readonly sessions = new Map<string, Session>();
  readonly observer: HubObserver;
  private readonly reducers = new Map<string, StateReducer>();
  private readonly queueLimits: QueueLimits;
  private readonly maxSubscriptions: number;
  private readonly defaultSource: string;
  private readonly liveListeners = new Set<(event: SerializedEvent) => void>();
  private dirty: Session[] = [];
  private flushPending = false;
  private nextSessionId = 1;
  private started = false;
  private headId = '';
  /** Events published since start, by anyone through this hub's bus. */
  publishedCount = 0;

  constructor(options: HubOptions = {}) {
    this.bus = options.bus ?? new MemoryBus();
    this.window = new ReplayWindow(options.window);
    this.queueLimits = {
      maxEvents: options.queue?.maxEvents ?? 256,
      maxBytes: options.queue?.maxBytes ?? 1024 * 1024,
    };
    this.maxSubscriptions = options.maxSubscriptionsPerSession ?? 32;
    this.observer = options.observer ?? NOOP_OBSERVER;
    this.defaultSource = options.defaultSource ?? 'api';
  }

  /** Registers a state topic's reducer. Only before {@link start}. */
  registerState(reducer: StateReducer): void {
    if (this.started) throw new Error(`Hub: state topic "${reducer.topic}" must be registered before start`);
    if (this.reducers.has(reducer.topic)) throw new Error(`Hub: state topic "${reducer.topic}" registered twice`);
    this.reducers.set(reducer.topic, reducer);
  }

  /** Topics that keep state and send snapshots. */
  get stateTopics(): string[] {
    return [...this.reducers.keys()];
  }

  /** Starts the bus. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.bus.start((events) => this.onBusEvents(events));
    this.started = true;
    this.headId = formatEventId(this.bus.epoch, 0);
  }

  /** Id of the newest event (or `<epoch>-0` before any): where a fresh subscriber starts. */
  get head(): string {
    return this.headId;
  }

  /** Validates, stamps and appends drafts (an object or an array). Resolves to their ids. */
  async publish(input: unknown, defaultSource = this.defaultSource): Promise<string[]> {
    const drafts = this.stamp(input, defaultSource);
    const events = this.bus instanceof MemoryBus ? this.bus.appendSync(drafts) : await this.bus.append(drafts);
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

  /** Calls `listener` for every event after it is dispatched (long-poll waiters, stats). */
  onEvent(listener: (event: SerializedEvent) => void): () => void {
    this.liveListeners.add(listener);
    return () => this.liveListeners.delete(listener);
  }

  /** Opens a session for a new connection. Limits are checked by the caller. */
  openSession(init: SessionInit): Session {
    const session = new Session(`c${this.nextSessionId++}`, this, init, this.queueLimits);
    this.sessions.set(session.id, session);
    this.observer.sessionOpened(session.kind);
    return session;
  }

  /**
   * Adds a subscription to a session and starts it: replay from `since` when it is inside the
   * window; otherwise (no `since`, foreign epoch, trimmed) snapshots of the covered state topics,
   * preceded by a `reset` when a resume was asked for but is impossible.
   */
  subscribe(session: Session, request: SubscribeRequest): Subscription {
    if (session.subscriptions.size >= this.maxSubscriptions) {
      throw new LivegateError(
        'too_many_subscriptions',
        `at most ${this.maxSubscriptions} subscriptions per connection`,
      );
    }
    let position: { seq: number } | null = null;
    let reset: ResetReason | null = null;
    if (request.since !== undefined) {
      const parsed = parseEventId(request.since);
      if (parsed === null)
        throw new LivegateError('invalid_event_id', `"${truncate(request.since)}" is not a livegate event id`, {
          field: 'since',
        });
      if (parsed.epoch !== this.bus.epoch) reset = 'epoch_changed';
      else {
        const found = this.window.lookup(parsed.seq);
        if (found.kind === 'trimmed') reset = 'window_trimmed';
        else if (found.kind === 'ahead') reset = 'unknown_position';
        else position = parsed;
      }
    }
    const sub = new Subscription(session.newSubscriptionId(), request.filter, request.batch ?? null);
    session.subscriptions.set(sub.id, sub);
    request.announce?.(sub.id);
    if (position !== null) {
      sub.mode = 'catchup';
      sub.cursor = position.seq;
      session.scheduleFlush();
    } else {
      if (reset !== null)
        session.pushUnbounded({
          kind: 'control',
          name: 'reset',
          sub: sub.id,
          data: { reason: reset, lastEventId: this.headId },
        });
      this.sendSnapshots(session, sub);
    }
    this.dispatcher.add(session, sub);
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
    sub.closed = true;
    session.subscriptions.delete(subscriptionId);
    this.dispatcher.remove(sub);
  }

  /**
   * Reads the replay window for a session's catching-up subscriptions, up to `budget` events per
   * subscription per pass, writing straight to the transport while it has room.
   */
  advanceCatchup(session: Session, budget: number): void {
    for (const sub of session.subscriptions.values()) {
      if (sub.mode !== 'catchup' || session.blocked || session.state !== 'open') continue;
      const start = this.window.indexAfter(sub.cursor);
      if (start === null) {
        // The window moved past the cursor while this client caught up slowly.
        sub.mode = 'live';
        session.pushUnbounded({
          kind: 'control',
          name: 'reset',
          sub: sub.id,
          data: { reason: 'window_trimmed', lastEventId: this.headId },
        });
        this.sendSnapshots(session, sub);
        continue;
      }
      const end = Math.min(this.window.length, start + budget);
      const items: Outbound[] = [];
      for (let i = start; i < end; i++) {
        const event = this.window.at(i);
        sub.cursor = event.event.seq;
        if (sub.filter.test(event.event)) items.push({ kind: 'event', sub: sub.id, event });
      }
      if (end === this.window.length) sub.mode = 'live';
      if (items.length > 0) session.writeOut(items, items.length, false);
      if (sub.mode === 'catchup') session.scheduleFlush();
    }
  }

  /** Queues a session for this tick's flush pass. */
  requestFlush(session: Session): void {
    this.dirty.push(session);
    if (this.flushPending) return;
    this.flushPending = true;
    setImmediate(this.flushAll);
  }

  /** Closes a session whose queue overflowed. */
  slowConsumer(session: Session): void {
    const dropped = session.queued;
    this.observer.slowConsumer(session.kind, dropped);
    session.close({
      code: 'slow_consumer',
      message: 'client did not read fast enough; resume from the last event id',
      wsCode: 4008,
    });
  }

  /** Called by a session as it closes: forgets it everywhere. */
  detach(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    for (const sub of session.subscriptions.values()) this.dispatcher.remove(sub);
    this.observer.sessionClosed(session.kind, (performance.now() - session.openedMono) / 1000, 'closed');
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
    const seq = this.window.headSeq;
    const event: LiveEvent = {
      id: this.headId,
      seq,
      topic,
      type: SNAPSHOT_TYPE,
      source: 'livegate',
      time: new Date().toISOString(),
      labels: {},
      data,
    };
    return new SerializedEvent(event, performance.now());
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
    const sessions = this.dirty;
    this.dirty = [];
    for (const session of sessions) session.flush();
  };

  private onBusEvents(events: readonly LiveEvent[]): void {
    const now = performance.now();
    for (const event of events) {
      const serialized = new SerializedEvent(event, now);
      this.window.append(serialized);
      this.headId = event.id;
      this.publishedCount++;
      this.reducers.get(event.topic)?.apply(event);
      this.observer.published(event);
      this.dispatcher.dispatch(serialized);
      for (const listener of this.liveListeners) listener(serialized);
    }
  }
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
