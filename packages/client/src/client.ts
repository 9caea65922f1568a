/**
 * `createClient`: one logical stream of events over whichever transport works, with fallback,
 * re-probing, backoff, resume, duplicate dropping, a heartbeat watchdog and online/offline
 * awareness. The decisions come from small pure modules (backoff, transport selection, resume
 * cursor, stream swap, state machine); this file wires them to timers and transports.
 *
 * Every connection attempt carries a generation: callbacks from an attempt that was replaced or
 * ended are ignored, so a late `close` from an old transport can never tear down its successor.
 */
import { backoffDelay } from './backoff.js';
import { Emitter } from './emitter.js';
import { LivegateError } from './errors.js';
import { openMetricStream, type MetricOptions, type MetricSubscription } from './metrics.js';
import { normalizeFilter, resolveOptions, sameFilter, snapshotTopics, type ResolvedOptions } from './options.js';
import { ResumeCursor, SNAPSHOT_TYPE } from './resume.js';
import { StateMachine, type StateInput } from './state-machine.js';
import { StateTracker, attachTracker } from './store.js';
import { StreamSwap } from './stream-swap.js';
import { refreshDelay, tokenExpiry } from './token-expiry.js';
import {
  chooseTransport,
  createSelection,
  nextProbe,
  recordFailure,
  recordSuccess,
  type SelectionState,
} from './transport-selection.js';
import type { Transport, TransportHandlers, TransportOpenInfo } from './transports/transport.js';
import {
  CLIENT_EVENT_NAMES,
  type ClientCounters,
  type ClientEvents,
  type ClientOptions,
  type ClientState,
  type ClientStatus,
  type LivegateEvent,
  type LivegateEventMap,
  type SubscriptionFilter,
  type TransportName,
} from './types.js';

type Timer = ReturnType<typeof setTimeout>;

/** Envelope listener for a type the event map knows. */
type TypedListener<M, K extends keyof M & string> = (event: LivegateEvent<M[K], K>) => void;

/** A livegate client. Create one with {@link createClient}. */
export interface LivegateClient<M extends object = LivegateEventMap> {
  /** Lifecycle state. */
  readonly state: ClientState;
  /** Transport of the open connection or of the attempt in progress; `null` between attempts. */
  readonly transport: TransportName | null;
  /** The resume point: id of the last delivered event (or a position the server confirmed). */
  readonly lastEventId: string | null;
  /** The subscription filter in force. */
  readonly filter: SubscriptionFilter;
  /** Everything observable, as one immutable object (the same object until something changes). */
  getStatus(): ClientStatus;
  /**
   * Listens to a lifecycle event (`state`, `status`, `connected`, `disconnected`, `error`, `reset`,
   * `transport`) or to envelopes by `type`: exact (`alert_firing`), prefix (`alert_*`) or all
   * (`*`). Returns a function that removes the listener.
   */
  on<K extends keyof ClientEvents>(name: K, listener: (payload: ClientEvents[K]) => void): () => void;
  on<K extends keyof M & string>(type: K, listener: TypedListener<M, K>): () => void;
  on(pattern: string, listener: (event: LivegateEvent) => void): () => void;
  /** Like {@link on}, called at most once. */
  once<K extends keyof ClientEvents>(name: K, listener: (payload: ClientEvents[K]) => void): () => void;
  once<K extends keyof M & string>(type: K, listener: TypedListener<M, K>): () => void;
  once(pattern: string, listener: (event: LivegateEvent) => void): () => void;
  /** Removes a listener added with the same name or pattern. */
  off(nameOrPattern: string, listener: (payload: never) => void): void;
  /**
   * Adds topics. On WebSocket the subscription changes in place; SSE and long-poll open a new
   * request and switch to it once it answers, so events keep flowing meanwhile. Resolves when the
   * server confirmed; rejects (keeping the previous filter) when it refused.
   */
  subscribe(topics: string | readonly string[]): Promise<void>;
  /** Removes topics; at least one must remain (use `close()` to stop). */
  unsubscribe(topics: string | readonly string[]): Promise<void>;
  /** Replaces the whole filter. */
  setFilter(filter: SubscriptionFilter): Promise<void>;
  /** Reconnects now, resetting the backoff (a "retry now" button). No-op once closed. */
  reconnect(): void;
  /** Closes the connection and stops every timer. Idempotent. */
  close(): void;
  /**
   * Live results of a PromQL query from `GET /api/v1/metrics/stream`, evaluated by the server
   * every `interval` seconds (5–300) and shared with every other viewer of the same query. Runs on
   * its own EventSource, independent of the event stream. `options.range` backfills the chart.
   */
  metrics(query: string, interval?: number, options?: MetricOptions): MetricSubscription;
}

type Purpose = 'primary' | 'probe' | 'resubscribe';

interface Deferred {
  resolve(): void;
  reject(error: unknown): void;
}

interface Attempt {
  readonly gen: number;
  readonly transport: TransportName;
  readonly purpose: Purpose;
  readonly filter: SubscriptionFilter;
  readonly since: string | null;
  /** With `since`: state topics the server snapshots instead of replaying. */
  readonly snapshot: readonly string[];
  readonly change: Deferred | null;
  conn: Transport | null;
  opened: boolean;
  ended: boolean;
  info: TransportOpenInfo;
  connectTimer: Timer | undefined;
  /** The bearer token the attempt connected with. */
  token: string | null;
}

/** A filter change over SSE/long-poll: the old attempt's events are held until the new one takes over. */
interface PendingSwap {
  readonly swap: StreamSwap;
  readonly old: Attempt;
  next: Attempt | null;
}

/** Fetch the next token at most this long before the current one's `exp`. */
const TOKEN_REFRESH_LEAD_MS = 30_000;

const NO_INFO: TransportOpenInfo = { connection: null, epoch: null, heartbeatMs: null };

/** Every counter at zero: a new client's counters, and the status shown before a client exists. */
export const ZERO_COUNTERS: ClientCounters = Object.freeze({
  attempts: 0,
  opens: 0,
  connectFailures: 0,
  drops: 0,
  eventsReceived: 0,
  duplicatesDropped: 0,
  resets: 0,
  transportSwitches: 0,
  tokenRefreshes: 0,
});

type MutableCounters = { -readonly [K in keyof ClientCounters]: ClientCounters[K] };

function toTopicList(topics: string | readonly string[], method: string): string[] {
  const list = typeof topics === 'string' ? [topics] : topics;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string' && t.trim() !== '')) {
    throw new TypeError(`client.${method}() needs a topic name or a non-empty array of them`);
  }
  return list.map((t: string) => t.trim());
}

class Client<M extends object> implements LivegateClient<M> {
  readonly #opts: ResolvedOptions;
  #filter: SubscriptionFilter;
  readonly #cursor: ResumeCursor;
  #selection: SelectionState;
  readonly #machine: StateMachine;
  readonly #tracker: StateTracker;
  readonly #envelopes: Emitter<object, LivegateEvent>;
  readonly #lifecycle: Emitter<ClientEvents>;
  readonly #counters: MutableCounters = { ...ZERO_COUNTERS };

  #generation = 0;
  #active: Attempt | null = null;
  #candidate: Attempt | null = null;
  #swap: PendingSwap | null = null;
  /** The next primary attempt must not resume (a change needs snapshots and could not get them in place). */
  #forceFresh = false;
  /**
   * State topics a filter change added while resuming: every attempt that resumes asks the server
   * to snapshot them (instead of replaying their events) until their snapshots arrive, so a stream
   * lost before that does not skip them.
   */
  readonly #pendingSnapshots = new Set<string>();
  /** A subscription change is running; probes wait so the connection under it stays put. */
  #changing = false;
  #backoffStep = 0;
  #offline = false;
  #connection: string | null = null;
  #lastOpenTransport: TransportName | null = null;
  #fatal: LivegateError | null = null;
  #status: ClientStatus | null = null;
  #stateError: LivegateError | null = null;
  #stateTransport: TransportName | null = null;
  #emittingError = false;
  #changeQueue: Promise<void> = Promise.resolve();
  #waiters: Deferred[] = [];
  #lastActivity = 0;

  #reconnectTimer: Timer | undefined;
  #watchdogTimer: Timer | undefined;
  #healthyTimer: Timer | undefined;
  #probeTimer: Timer | undefined;
  #tokenTimer: Timer | undefined;
  #unwatchOnline: (() => void) | null = null;

  constructor(options: ClientOptions) {
    this.#opts = resolveOptions(options);
    this.#filter = normalizeFilter(options);
    this.#cursor = new ResumeCursor(options.lastEventId ?? null);
    this.#selection = createSelection(this.#opts.order);
    this.#envelopes = new Emitter((error) => this.#listenerFailed(error));
    this.#lifecycle = new Emitter((error, name) => this.#listenerFailed(error, name));
    this.#tracker = new StateTracker((error) => this.#listenerFailed(error));
    attachTracker(this, this.#tracker);
    this.#machine = new StateMachine('connecting', ({ oldState, newState }) => {
      this.#lifecycle.emit('state', {
        oldState,
        newState,
        transport: this.transport ?? this.#stateTransport,
        error: this.#stateError,
      });
    });
    this.#watchOnline();
    if (this.#offline) this.#waitOffline();
    else this.#connect();
  }

  // ── public API ────────────────────────────────────────────────────────────────────────────

  get state(): ClientState {
    return this.#machine.state;
  }

  get transport(): TransportName | null {
    return this.#active?.transport ?? null;
  }

  get lastEventId(): string | null {
    return this.#cursor.lastId;
  }

  get filter(): SubscriptionFilter {
    return this.#filter;
  }

  getStatus(): ClientStatus {
    this.#status ??= Object.freeze({
      state: this.state,
      transport: this.transport,
      lastEventId: this.lastEventId,
      connection: this.#connection,
      error: this.#fatal,
      counters: Object.freeze({ ...this.#counters }),
    });
    return this.#status;
  }

  on(name: string, listener: (payload: never) => void): () => void {
    return this.#emitterFor(name).on(name, listener as (payload: unknown) => void);
  }

  once(name: string, listener: (payload: never) => void): () => void {
    return this.#emitterFor(name).once(name, listener as (payload: unknown) => void);
  }

  off(name: string, listener: (payload: never) => void): void {
    this.#emitterFor(name).off(name, listener);
  }

  subscribe(topics: string | readonly string[]): Promise<void> {
    const added = toTopicList(topics, 'subscribe');
    return this.#enqueue((f) => (f.topics === undefined ? f : { ...f, topics: [...new Set([...f.topics, ...added])] }));
  }

  unsubscribe(topics: string | readonly string[]): Promise<void> {
    const removed = new Set(toTopicList(topics, 'unsubscribe'));
    const apply = (f: SubscriptionFilter): SubscriptionFilter => {
      if (f.topics === undefined) {
        throw new TypeError(
          'client.unsubscribe(): the client receives every topic; call client.setFilter({ topics: [...] }) to choose some',
        );
      }
      const rest = f.topics.filter((t) => !removed.has(t));
      if (rest.length === 0)
        throw new TypeError('client.unsubscribe() would leave no topic; call client.close() to stop receiving');
      return { ...f, topics: rest };
    };
    apply(this.#filter); // misuse throws at once, not in the returned promise
    return this.#enqueue(apply);
  }

  setFilter(filter: SubscriptionFilter): Promise<void> {
    const next = normalizeFilter(filter, 'filter');
    return this.#enqueue(() => next);
  }

  reconnect(): void {
    if (this.#closed) return;
    this.#backoffStep = 0;
    clearTimeout(this.#reconnectTimer);
    if (this.#active !== null) {
      const attempt = this.#active;
      this.#detachActive(attempt);
      if (attempt.opened)
        this.#setState('lost', new LivegateError('connection_lost', 'reconnect() was called'), attempt.transport);
    }
    if (!this.#offline) this.#connect();
  }

  close(): void {
    if (this.#closed) return;
    this.#shutdown(null);
  }

  // ── connecting ────────────────────────────────────────────────────────────────────────────

  metrics(query: string, interval = 15, options: MetricOptions = {}): MetricSubscription {
    const opts = this.#opts;
    return openMetricStream(
      {
        baseUrl: opts.baseUrl,
        EventSource: opts.EventSource,
        fetch: opts.fetch,
        withCredentials: opts.withCredentials,
        token: () => Promise.resolve(this.#token()),
        minReconnectDelayMs: opts.minReconnectDelayMs,
        maxReconnectDelayMs: opts.maxReconnectDelayMs,
        random: opts.random,
      },
      query,
      interval,
      options,
    );
  }

  get #closed(): boolean {
    return this.#machine.state === 'closed';
  }

  #connect(): void {
    clearTimeout(this.#reconnectTimer);
    if (this.#closed || this.#offline || this.#active !== null) return;
    const choice = chooseTransport(this.#selection, Date.now(), this.#opts.reprobe);
    this.#selection = choice.state;
    const since = this.#forceFresh ? null : this.#cursor.lastId;
    this.#startAttempt(choice.transport, 'primary', this.#filter, since, null);
  }

  #startAttempt(
    transport: TransportName,
    purpose: Purpose,
    filter: SubscriptionFilter,
    since: string | null,
    change: Deferred | null,
  ): Attempt {
    const attempt: Attempt = {
      gen: ++this.#generation,
      transport,
      purpose,
      filter,
      since,
      snapshot: since === null ? [] : [...this.#pendingSnapshots],
      change,
      conn: null,
      opened: false,
      ended: false,
      info: NO_INFO,
      connectTimer: undefined,
      token: null,
    };
    this.#counters.attempts++;
    if (purpose === 'primary') this.#active = attempt;
    else this.#candidate = attempt;
    this.#changed();
    const token = this.#token();
    if (token instanceof Promise) {
      token.then(
        (value) => this.#openTransport(attempt, value),
        (cause: unknown) => this.#end(attempt, new LivegateError('token_error', 'options.token failed', { cause })),
      );
    } else {
      this.#openTransport(attempt, token);
    }
    return attempt;
  }

  #token(): string | null | Promise<string | null> {
    const provider = this.#opts.token;
    if (provider === undefined) return null;
    if (typeof provider === 'string') return provider;
    try {
      const value = provider();
      if (typeof value === 'object' && value !== null && typeof (value as Promise<unknown>).then === 'function') {
        return Promise.resolve(value).then((v) => v ?? null);
      }
      return (value as string | null | undefined) ?? null;
    } catch (cause) {
      return Promise.reject(cause);
    }
  }

  #openTransport(attempt: Attempt, token: string | null): void {
    if (attempt.ended) return;
    attempt.token = token;
    const o = this.#opts;
    // Armed only now: a slow token provider is not the transport's fault.
    attempt.connectTimer = setTimeout(() => {
      this.#end(
        attempt,
        new LivegateError(
          'connect_timeout',
          `${attempt.transport} gave no sign of life within ${o.connectTimeoutMs} ms`,
        ),
      );
    }, o.connectTimeoutMs);
    let conn: Transport;
    try {
      conn = o.factories[attempt.transport]({
        baseUrl: o.baseUrl,
        filter: attempt.filter,
        since: attempt.since,
        snapshot: attempt.snapshot,
        token,
        handlers: this.#handlersFor(attempt),
        withCredentials: o.withCredentials,
        pollTimeoutSeconds: o.pollTimeoutSeconds,
        WebSocket: o.WebSocket,
        EventSource: o.EventSource,
        fetch: o.fetch,
      });
    } catch (cause) {
      this.#end(
        attempt,
        cause instanceof LivegateError
          ? cause
          : new LivegateError('transport_error', `${attempt.transport} could not be started`, { cause }),
      );
      return;
    }
    if (attempt.ended) conn.close();
    else attempt.conn = conn;
  }

  /** Handlers bound to one attempt; silent once the attempt has ended or been replaced. */
  #handlersFor(attempt: Attempt): TransportHandlers {
    const gen = attempt.gen;
    const live = (): boolean => !attempt.ended && (this.#active?.gen === gen || this.#candidate?.gen === gen);
    return {
      open: (info) => {
        if (live()) this.#onOpen(attempt, info);
      },
      events: (events) => {
        if (live()) this.#onEvents(attempt, events);
      },
      heartbeat: (position) => {
        if (live()) this.#onHeartbeat(attempt, position);
      },
      reset: (reason) => {
        if (live()) this.#onReset(attempt, reason);
      },
      warning: (error) => {
        if (live()) this.#emitError(error);
      },
      closed: (error) => {
        if (live()) this.#end(attempt, error);
      },
    };
  }

  #onOpen(attempt: Attempt, info: TransportOpenInfo): void {
    if (attempt.opened) return;
    attempt.opened = true;
    attempt.info = info;
    clearTimeout(attempt.connectTimer);
    this.#selection = recordSuccess(this.#selection, attempt.transport);
    this.#counters.opens++;
    if (attempt === this.#candidate) {
      this.#promote(attempt);
      return;
    }
    if (attempt.since === null) this.#forceFresh = false;
    this.#connection = info.connection;
    this.#setState('opened', null);
    if (this.#closed) return;
    this.#armWatchdog();
    clearTimeout(this.#healthyTimer);
    this.#healthyTimer = setTimeout(() => {
      this.#backoffStep = 0;
    }, this.#opts.healthyAfterMs);
    this.#lifecycle.emit('connected', {
      transport: attempt.transport,
      connection: info.connection,
      epoch: info.epoch,
      resumed: attempt.since !== null,
    });
    this.#noteTransport(attempt.transport, 'reconnect');
    this.#scheduleTokenRefresh(attempt);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve();
    this.#scheduleProbe();
    this.#changed();
  }

  /** A probe or resubscribe attempt answered: it becomes the active connection. */
  #promote(attempt: Attempt): void {
    const old = this.#active;
    this.#candidate = null;
    this.#active = attempt;
    if (old !== null) this.#retire(old);
    if (attempt.purpose === 'resubscribe') {
      const pending = this.#swap;
      if (pending !== null) {
        pending.swap.commit();
        if (pending.swap.done) this.#swap = null;
      }
      this.#filter = attempt.filter;
      this.#tracker.retain(attempt.filter);
      attempt.change?.resolve();
    }
    this.#connection = attempt.info.connection;
    this.#armWatchdog();
    this.#lifecycle.emit('connected', {
      transport: attempt.transport,
      connection: attempt.info.connection,
      epoch: attempt.info.epoch,
      resumed: attempt.since !== null,
    });
    this.#noteTransport(attempt.transport, 'probe');
    this.#scheduleTokenRefresh(attempt);
    this.#scheduleProbe();
    this.#changed();
  }

  /**
   * With a token function and a JWT carrying `exp`: shortly before it, fetch the next token and
   * move to a connection opened with it (the probe path: the new connection resumes from the last
   * event and takes over once open, so nothing is lost and duplicates are dropped by the cursor).
   */
  #scheduleTokenRefresh(attempt: Attempt): void {
    clearTimeout(this.#tokenTimer);
    if (typeof this.#opts.token !== 'function') return;
    const expiresAt = tokenExpiry(attempt.token);
    if (expiresAt === null) return;
    this.#tokenTimer = setTimeout(
      () => this.#refreshToken(attempt),
      refreshDelay(expiresAt, Date.now(), TOKEN_REFRESH_LEAD_MS),
    );
  }

  #refreshToken(attempt: Attempt): void {
    if (this.#closed || this.#offline || this.#active !== attempt || !attempt.opened) return;
    const candidate = this.#candidate;
    if (candidate !== null && candidate.purpose === 'probe') {
      // A transport probe is under way: it connects with a fresh token anyway.
      return;
    }
    if (candidate !== null || this.#swap !== null || this.#changing) {
      // A filter change is moving to a new connection (with a fresh token); look again shortly.
      this.#tokenTimer = setTimeout(() => this.#refreshToken(attempt), 250);
      return;
    }
    clearTimeout(this.#probeTimer);
    this.#counters.tokenRefreshes++;
    this.#startAttempt(attempt.transport, 'probe', this.#filter, this.#cursor.lastId, null);
  }

  #noteTransport(transport: TransportName, reason: 'probe' | 'reconnect'): void {
    const previous = this.#lastOpenTransport;
    if (previous === transport) return;
    this.#lastOpenTransport = transport;
    if (previous !== null) this.#counters.transportSwitches++;
    this.#lifecycle.emit('transport', { oldTransport: previous, newTransport: transport, reason });
  }

  // ── receiving ─────────────────────────────────────────────────────────────────────────────

  #onEvents(attempt: Attempt, events: readonly LivegateEvent[]): void {
    if (!attempt.opened) {
      // Some servers or proxies drop the hello; the first event proves the stream works.
      this.#onOpen(attempt, NO_INFO);
      if (attempt.ended || this.#closed) return;
    }
    if (attempt !== this.#active) return;
    this.#lastActivity = Date.now();
    let deliverable = events;
    const pending = this.#swap;
    if (pending !== null) {
      if (attempt === pending.old) deliverable = pending.swap.fromOld(events);
      else if (attempt === pending.next) {
        deliverable = pending.swap.fromNew(events);
        if (pending.swap.done) this.#swap = null;
      }
    }
    this.#deliver(deliverable);
  }

  #deliver(events: readonly LivegateEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) {
      if (this.#closed) break;
      this.#counters.eventsReceived++;
      if (!this.#cursor.accept(event)) {
        this.#counters.duplicatesDropped++;
        continue;
      }
      if (event.type === SNAPSHOT_TYPE) this.#pendingSnapshots.delete(event.topic);
      this.#tracker.apply(event);
      this.#envelopes.emit(event.type, event);
    }
    this.#changed();
  }

  #onHeartbeat(attempt: Attempt, position: string | null): void {
    if (!attempt.opened) {
      this.#onOpen(attempt, NO_INFO);
      if (attempt.ended || this.#closed) return;
    }
    if (attempt !== this.#active) return;
    this.#lastActivity = Date.now();
    // During a swap the held events sit below any position the old stream reports.
    if (position !== null && this.#swap === null && this.#cursor.advanceTo(position)) this.#changed();
  }

  #onReset(attempt: Attempt, reason: string): void {
    if (!attempt.opened) {
      this.#onOpen(attempt, NO_INFO);
      if (attempt.ended || this.#closed) return;
    }
    if (attempt !== this.#active) return;
    this.#lastActivity = Date.now();
    this.#resetState(reason, attempt.transport);
  }

  #resetState(reason: string, transport: TransportName): void {
    this.#cursor.clear();
    // Without a resume id the next stream starts with every snapshot.
    this.#pendingSnapshots.clear();
    this.#counters.resets++;
    this.#tracker.markStale();
    this.#lifecycle.emit('reset', { reason, transport });
    this.#changed();
  }

  // ── timers ────────────────────────────────────────────────────────────────────────────────

  #heartbeatLimit(): number {
    return 2 * (this.#active?.info.heartbeatMs ?? this.#opts.heartbeatMs);
  }

  #armWatchdog(): void {
    clearTimeout(this.#watchdogTimer);
    this.#lastActivity = Date.now();
    this.#watchdogTimer = setTimeout(() => this.#checkWatchdog(), this.#heartbeatLimit());
  }

  /** Re-arms itself for the remaining time instead of resetting a timer on every event. */
  #checkWatchdog(): void {
    const active = this.#active;
    if (active === null || !active.opened) return;
    const limit = this.#heartbeatLimit();
    const silent = Date.now() - this.#lastActivity;
    if (silent >= limit) {
      this.#end(
        active,
        new LivegateError('heartbeat_timeout', `no event or heartbeat for ${silent} ms (limit ${limit} ms)`),
      );
      return;
    }
    this.#watchdogTimer = setTimeout(() => this.#checkWatchdog(), limit - silent);
  }

  #scheduleProbe(): void {
    clearTimeout(this.#probeTimer);
    const active = this.#active;
    if (
      active === null ||
      !active.opened ||
      this.#candidate !== null ||
      this.#swap !== null ||
      this.#changing ||
      this.#offline ||
      this.#closed
    )
      return;
    const probe = nextProbe(this.#selection, active.transport, this.#opts.reprobe);
    if (probe === null) return;
    const delay = Number.isFinite(probe.at) ? Math.max(0, probe.at - Date.now()) : this.#opts.reprobe.afterMs;
    this.#probeTimer = setTimeout(() => {
      const current = this.#active;
      if (
        current === null ||
        !current.opened ||
        this.#candidate !== null ||
        this.#swap !== null ||
        this.#changing ||
        this.#offline
      )
        return;
      this.#startAttempt(probe.transport, 'probe', this.#filter, this.#cursor.lastId, null);
    }, delay);
  }

  // ── endings ───────────────────────────────────────────────────────────────────────────────

  /** Marks an attempt ended and closes its transport; no callback of it gets through afterwards. */
  #retire(attempt: Attempt): void {
    attempt.ended = true;
    clearTimeout(attempt.connectTimer);
    attempt.conn?.close();
  }

  /** Drops the active attempt and whatever depended on it, adopting a pending filter change. */
  #detachActive(attempt: Attempt): void {
    this.#retire(attempt);
    this.#active = null;
    this.#connection = null;
    clearTimeout(this.#watchdogTimer);
    clearTimeout(this.#healthyTimer);
    clearTimeout(this.#probeTimer);
    clearTimeout(this.#tokenTimer);
    const candidate = this.#candidate;
    if (candidate !== null) {
      this.#candidate = null;
      this.#retire(candidate);
      if (candidate.purpose === 'resubscribe') {
        // The user still wants the new filter: the reconnect applies it.
        this.#filter = candidate.filter;
        this.#tracker.retain(candidate.filter);
        if (candidate.change !== null) this.#waiters.push(candidate.change);
      }
    }
    const pending = this.#swap;
    if (pending !== null) {
      this.#swap = null;
      const held = pending.swap.abort();
      if (pending.swap.mode === 'fresh') {
        // Events of the old filter before the change are still news; the new filter needs snapshots.
        this.#deliver(held);
        this.#forceFresh = true;
      }
      // In resume mode the held events are dropped: the reconnect replays from before them with the new filter.
    }
  }

  /** The one path for an attempt that ended: transport closed, connect timeout, watchdog, failed start. */
  #end(attempt: Attempt, error: LivegateError): void {
    if (attempt.ended) return;
    if (attempt === this.#candidate) {
      this.#candidate = null;
      this.#retire(attempt);
      this.#candidateFailed(attempt, error);
      return;
    }
    if (attempt !== this.#active) {
      this.#retire(attempt);
      return;
    }
    this.#detachActive(attempt);
    if (attempt.opened) this.#counters.drops++;
    else this.#counters.connectFailures++;

    if (error.disposition === 'fatal') {
      this.#fail(error, attempt.transport);
      return;
    }
    if (error.code === 'token_expired' && typeof this.#opts.token === 'function') {
      // Not a fault of the connection: reopen at once with a new token, resuming where it stopped.
      this.#retryAfter(error, attempt.transport, 0);
      return;
    }
    if (error.disposition === 'resync') {
      // The server refused the resume id: start over with snapshots, at once.
      this.#resetState(error.code, attempt.transport);
      this.#retryAfter(error, attempt.transport, 0);
      return;
    }
    if (!attempt.opened && error.disposition === 'skip') {
      this.#selection = recordFailure(this.#selection, attempt.transport, Date.now());
      const choice = chooseTransport(this.#selection, Date.now(), this.#opts.reprobe);
      if (!choice.roundExhausted) {
        this.#retryAfter(error, attempt.transport, 0);
        return;
      }
      this.#selection = choice.state;
    }
    this.#retryAfter(error, attempt.transport, null);
  }

  #candidateFailed(attempt: Attempt, error: LivegateError): void {
    if (attempt.purpose === 'probe') {
      // A failed token move on the same transport says nothing about the transport; the active
      // connection ends at its exp and reconnects with a new token then.
      if (attempt.transport !== this.#active?.transport)
        this.#selection = recordFailure(this.#selection, attempt.transport, Date.now());
      else this.#emitError(error);
    } else {
      const pending = this.#swap;
      this.#swap = null;
      if (pending !== null) this.#deliver(pending.swap.abort());
      this.#emitError(error);
      attempt.change?.reject(error);
    }
    this.#scheduleProbe();
    this.#changed();
  }

  /** Schedules the next primary attempt: `delay` 0 for an immediate fallback, `null` for backoff. */
  #retryAfter(error: LivegateError, transport: TransportName, delay: number | null): void {
    if (this.#closed) return;
    if (this.#offline) {
      this.#setState('lost', error, transport);
      this.#lifecycle.emit('disconnected', { transport, error, willRetry: true, delayMs: null });
      this.#waitOffline();
      this.#changed();
      return;
    }
    const ms =
      delay ??
      backoffDelay(
        this.#backoffStep++,
        { minMs: this.#opts.minReconnectDelayMs, maxMs: this.#opts.maxReconnectDelayMs },
        this.#opts.random,
        error.retryAfterMs ?? 0,
      );
    this.#setState('lost', error, transport);
    this.#lifecycle.emit('disconnected', { transport, error, willRetry: true, delayMs: ms });
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => this.#connect(), ms);
    this.#changed();
  }

  #fail(error: LivegateError, transport: TransportName): void {
    this.#fatal = error;
    this.#emitError(error);
    this.#lifecycle.emit('disconnected', { transport, error, willRetry: false, delayMs: null });
    if (!this.#closed) this.#shutdown(error, transport);
  }

  #shutdown(error: LivegateError | null, transport: TransportName | null = null): void {
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#probeTimer);
    clearTimeout(this.#tokenTimer);
    this.#swap = null;
    if (this.#active !== null) this.#detachActive(this.#active);
    if (this.#candidate !== null) {
      this.#retire(this.#candidate);
      this.#candidate = null;
    }
    this.#unwatchOnline?.();
    this.#unwatchOnline = null;
    const reason = error ?? new LivegateError('client_closed', 'the client was closed');
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(reason);
    this.#setState('closed', error, transport);
    this.#changed();
    this.#envelopes.clear();
    this.#lifecycle.clear();
  }

  // ── subscription changes ──────────────────────────────────────────────────────────────────

  /** Changes run one after another, each applied to the filter the previous one left. */
  #enqueue(change: (filter: SubscriptionFilter) => SubscriptionFilter): Promise<void> {
    if (this.#closed) return Promise.reject(new LivegateError('client_closed', 'the client is closed'));
    const run = (): Promise<void> => this.#applyChange(change);
    const result = this.#changeQueue.then(run, run);
    this.#changeQueue = result.catch(() => undefined);
    return result;
  }

  async #applyChange(change: (filter: SubscriptionFilter) => SubscriptionFilter): Promise<void> {
    this.#changing = true;
    try {
      await this.#applyChangeNow(change);
    } finally {
      this.#changing = false;
      this.#scheduleProbe();
    }
  }

  async #applyChangeNow(change: (filter: SubscriptionFilter) => SubscriptionFilter): Promise<void> {
    if (this.#closed) throw new LivegateError('client_closed', 'the client is closed');
    if (this.#candidate?.purpose === 'probe') {
      // A probe yields to the user's change; it is rescheduled afterwards.
      this.#retire(this.#candidate);
      this.#candidate = null;
    }
    clearTimeout(this.#probeTimer);
    const previous = this.#filter;
    const next = change(previous);
    if (sameFilter(previous, next)) return;
    // The topics that need fresh snapshots ride on a resume (`snapshot` beside `lastEventId`), so
    // the other topics continue from the last delivered id on every transport. Only a client with
    // nothing to resume from starts fresh.
    const added = snapshotTopics(previous, next, this.#opts.stateTopics);
    const fresh = added.length > 0 && (this.#forceFresh || this.#cursor.lastId === null);
    if (!fresh) for (const topic of added) this.#pendingSnapshots.add(topic);
    const active = this.#active;

    if (active === null || !active.opened) {
      // Not connected: the next attempt uses the new filter; an attempt in flight restarts with it.
      this.#adoptFilter(next, fresh);
      if (active !== null) {
        this.#retire(active);
        this.#active = null;
        this.#startAttempt(active.transport, 'primary', next, this.#forceFresh ? null : this.#cursor.lastId, null);
      }
      return this.#nextOpen();
    }

    if (active.conn?.update !== undefined) {
      try {
        await active.conn.update(next, fresh ? null : this.#cursor.lastId, fresh ? [] : [...this.#pendingSnapshots]);
      } catch (cause) {
        const error =
          cause instanceof LivegateError
            ? cause
            : new LivegateError('transport_error', 'subscription change failed', { cause });
        if (this.#closed)
          throw new LivegateError('client_closed', 'the client was closed during the subscription change');
        if (error.disposition === 'fatal') {
          this.#emitError(error);
          throw error;
        }
        if (this.#active?.opened === true) return this.#applyChangeNow(() => next);
        // The connection went away mid-change: the reconnect applies the new filter.
        this.#adoptFilter(next, fresh);
        return this.#nextOpen();
      }
      this.#filter = next;
      this.#tracker.retain(next);
      this.#changed();
      return;
    }

    // SSE and long-poll: open the new request next to the old one and switch when it answers.
    const swap: PendingSwap = { swap: new StreamSwap(fresh ? 'fresh' : 'resume'), old: active, next: null };
    this.#swap = swap;
    await new Promise<void>((resolve, reject) => {
      const attempt = this.#startAttempt(active.transport, 'resubscribe', next, fresh ? null : this.#cursor.lastId, {
        resolve,
        reject,
      });
      if (this.#swap === swap) swap.next = attempt;
    });
  }

  #adoptFilter(next: SubscriptionFilter, fresh: boolean): void {
    this.#filter = next;
    this.#tracker.retain(next);
    if (fresh) this.#forceFresh = true;
    this.#changed();
  }

  #nextOpen(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#fatal ?? new LivegateError('client_closed', 'the client is closed'));
    return new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  // ── online / offline ──────────────────────────────────────────────────────────────────────

  #watchOnline(): void {
    const target = (globalThis as { window?: { addEventListener?: unknown; removeEventListener?: unknown } }).window;
    if (!this.#opts.watchOnline || target === undefined || typeof target.addEventListener !== 'function') return;
    const win = target as unknown as Window;
    const online = (): void => this.#goOnline();
    const offline = (): void => this.#goOffline();
    win.addEventListener('online', online);
    win.addEventListener('offline', offline);
    this.#unwatchOnline = () => {
      win.removeEventListener('online', online);
      win.removeEventListener('offline', offline);
    };
    const nav = (globalThis as { navigator?: { onLine?: unknown } }).navigator;
    this.#offline = nav?.onLine === false;
  }

  #goOffline(): void {
    if (this.#closed || this.#offline) return;
    this.#offline = true;
    clearTimeout(this.#reconnectTimer);
    const active = this.#active;
    if (active !== null) this.#end(active, new LivegateError('offline', 'the browser went offline'));
    else this.#waitOffline();
  }

  #goOnline(): void {
    if (this.#closed || !this.#offline) return;
    this.#offline = false;
    this.#backoffStep = 0;
    clearTimeout(this.#reconnectTimer);
    this.#connect();
  }

  /** While offline, retry rarely anyway: `navigator.onLine` is a hint, not a promise. */
  #waitOffline(): void {
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      this.#offline = false;
      this.#connect();
    }, this.#opts.maxReconnectDelayMs);
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  /** Applies a state input; `transport` names the one lost when no attempt is active any more. */
  #setState(input: StateInput, error: LivegateError | null, transport: TransportName | null = null): void {
    this.#stateError = error;
    this.#stateTransport = transport;
    this.#machine.apply(input);
    this.#stateError = null;
    this.#stateTransport = null;
  }

  #changed(): void {
    this.#status = null;
    if (this.#lifecycle.hasListeners('status')) this.#lifecycle.emit('status', this.getStatus());
  }

  #emitterFor(name: string): Emitter<object, unknown> {
    if (typeof name !== 'string' || name === '')
      throw new TypeError('event name must be a non-empty string, e.g. "alert_firing", "alert_*", "*" or "state"');
    return (CLIENT_EVENT_NAMES.has(name) ? this.#lifecycle : this.#envelopes) as Emitter<object, unknown>;
  }

  #emitError(error: LivegateError): void {
    this.#emittingError = true;
    try {
      this.#lifecycle.emit('error', error);
    } finally {
      this.#emittingError = false;
    }
  }

  /** A listener threw: report it as an `error` event, or, if an `error` listener threw, like an uncaught error. */
  #listenerFailed(cause: unknown, name?: string): void {
    if (this.#emittingError || name === 'error' || !this.#lifecycle.hasListeners('error')) {
      const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
      if (typeof report === 'function') report(cause);
      else
        setTimeout(() => {
          throw cause;
        }, 0);
      return;
    }
    this.#emitError(
      new LivegateError(
        'listener_error',
        `a listener threw: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      ),
    );
  }
}

/**
 * Creates a client and starts connecting at once.
 *
 * ```ts
 * const client = createClient({ url: 'https://livegate.example.com', topics: ['alerts', 'health'] });
 * client.on('alert_*', (event) => console.log(event.type, event.data));
 * client.on('state', ({ oldState, newState }) => console.log(`${oldState} → ${newState}`));
 * ```
 *
 * Invalid options throw a `TypeError` saying how to fix them; network faults never throw — they
 * arrive as `disconnected`, `state` and `error` events.
 */
export function createClient<M extends object = LivegateEventMap>(options: ClientOptions): LivegateClient<M> {
  return new Client<M>(options);
}
