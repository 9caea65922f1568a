import { activityStamp, msSinceStamp } from './activity.js';
import type { Clock } from './clock.js';
import type { HubObserver } from './observer.js';
import {
  closeReasonFor,
  type CloseReason,
  type ControlName,
  type Outbound,
  type SseSink,
  type TransportKind,
  type TransportWriter,
} from './outbound.js';
import type { Principal } from './principal.js';
import type { SerializedEvent } from './serialized-event.js';
import type { Subscription } from './subscription.js';
import type { TimerHandle, TimerWheel } from './timer-wheel.js';

/**
 * What a session reports upward to, handed to it by the hub when it opens. The session never
 * imports the hub: data flows hub → dispatcher → session queue → writer, and the session talks back
 * only through this interface.
 */
export interface SessionHost {
  /** Monotonic time. */
  readonly clock: Clock;
  /** The shared timer wheel (batch flushes and the session's own timers). */
  readonly timers: TimerWheel;
  /** Metrics hooks. */
  readonly observer: HubObserver;
  /** Puts the session on this tick's flush pass. */
  requestFlush(session: Session): void;
  /**
   * The counter of live events written on the fast path during the current dispatch, for sessions
   * of transport `kind`; the hub reports it after each dispatch. One shared counter per transport,
   * held by the session, so a fast-path write bumps it without a lookup by kind.
   */
  directCounter(kind: TransportKind): DirectCounter;
  /** Reads the replay window for the session's catching-up subscriptions, up to `budget` events each. */
  advanceCatchup(session: Session, budget: number): void;
  /** The session's queue overflowed: cut it off. */
  slowConsumer(session: Session): void;
  /** The session closed: forget it everywhere. */
  detach(session: Session): void;
}

/**
 * What the dispatcher hands a session with each event: the subscription, and copies of the
 * subscription's fields a delivery reads, kept beside the dispatcher's index so that the fast
 * path does not load the subscription object.
 */
export interface DeliveryTarget {
  readonly sub: Subscription;
  /** `sub.id`. */
  readonly subId: string;
  /** `sub.batch !== null`. */
  readonly batched: boolean;
}

/** A count of fast-path writes, shared by the sessions of one transport (see {@link SessionHost.directCounter}). */
export interface DirectCounter {
  n: number;
}

/**
 * The timers a session may hold, one per purpose: the idle `heartbeat` (SSE and WebSocket), the
 * WebSocket `keepalive` (protocol pings and the idle timeout), a long-poll's `timeout` and the
 * principal's credential `expiry`.
 */
export type SessionTimer = 'heartbeat' | 'keepalive' | 'timeout' | 'expiry';

/** How a session whose token expires is ended: SSE `error` event, WebSocket close 4001, poll 401. */
export const TOKEN_EXPIRED: CloseReason = Object.freeze(closeReasonFor('token_expired'));

/** Limits of one session's outbound queue. */
export interface QueueLimits {
  /** Most queued events before the session counts as a slow consumer. Defaults to 256. */
  readonly maxEvents: number;
  /** Most queued plus buffered bytes before it counts as a slow consumer. Defaults to 1 MiB. */
  readonly maxBytes: number;
}

/** Session lifecycle: `open` → `closed`. Closing is immediate and idempotent. */
export type SessionState = 'open' | 'closed';

/** What the hub needs to open a session. */
export interface SessionInit {
  readonly transport: TransportWriter;
  readonly ip: string;
  readonly principal: Principal;
  readonly userAgent?: string;
}

/** A row of `GET /api/v2/connections`. */
export interface SessionInfo {
  readonly id: string;
  readonly transport: TransportKind;
  readonly ip: string;
  readonly principal: string;
  readonly since: string;
  readonly subscriptions: {
    id: string;
    topics: readonly string[];
    types: readonly string[];
    sources: readonly string[];
    match: readonly string[];
    mode: string;
    /** The subscribe extension (`metrics`) of a subscription a source serves. */
    extension?: string;
  }[];
  readonly queued: number;
  readonly bufferedBytes: number;
  readonly sent: number;
  readonly dropped: number;
  readonly userAgent?: string;
}

/** `s0`…`s63`, built once: see {@link Session.newSubscriptionId}. */
const SHARED_SUB_IDS: readonly string[] = Array.from({ length: 64 }, (_, n) => `s${n}`);

/** Budget of window events one catch-up pass examines before yielding to other sessions. */
const CATCHUP_BUDGET = 512;

/**
 * One client connection, whatever its transport: its subscriptions, its bounded outbound queue,
 * and the counters shown in the connections list. The hub and dispatcher talk to sessions; only
 * the {@link TransportWriter} talks to the socket, except the SSE fast path's one write to the sink
 * the writer declares ({@link TransportWriter.sseSink}).
 */
export class Session {
  // The fast path's fields come first, in the order it reads them, so one delivery to an idle
  // session touches as few of the object's cache lines as possible (see `enqueue`).
  state: SessionState = 'open';
  /**
   * Whether an event may be written at once (the fast path): the transport has it, the session is
   * open, nothing is queued and no drain is awaited. Kept by {@link refreshDirect}.
   */
  private directReady: boolean;
  /** The tick of the last fast-path write (see {@link enqueue}). */
  private lastDirectTick = 0;
  readonly transport: TransportWriter;
  /** Events delivered to the transport. */
  sent = 0;
  /** Activity stamp (`activity.ts`) of the last write of an event, control or heartbeat. */
  private lastWriteStamp: number;
  /** This transport's fast-path write counter (see {@link SessionHost.directCounter}). */
  private readonly directCount: DirectCounter;
  /** The transport's {@link TransportWriter.sseSink}, copied: the fast path writes there itself. */
  private readonly sinkStream: SseSink['stream'] | null;
  private readonly sinkNamed: boolean;

  readonly id: string;
  readonly ip: string;
  /** Who is on the other end; replaced by a WebSocket token refresh ({@link setPrincipal}). */
  principal: Principal;
  readonly userAgent: string | undefined;
  readonly openedAt = Date.now();
  readonly openedMono: number;
  /** Events dropped because the session was closed as a slow consumer. */
  dropped = 0;
  readonly subscriptions = new Map<string, Subscription>();

  private readonly host: SessionHost;
  private readonly timers: Partial<Record<SessionTimer, TimerHandle>> = {};
  private readonly limits: QueueLimits;
  private queue: Outbound[] = [];
  private queuedEvents = 0;
  private queuedBytes = 0;
  private flushScheduled = false;
  private waitingForDrain = false;
  /** Whether the transport has a one-event fast path (`writeEvent` or `sseSink`). */
  private readonly direct: boolean;
  private nextSubId = 1;
  private closeListeners: ((reason: CloseReason) => void)[] = [];

  constructor(id: string, host: SessionHost, init: SessionInit, limits: QueueLimits) {
    this.id = id;
    this.host = host;
    this.openedMono = host.clock.now();
    this.lastWriteStamp = activityStamp(this.openedMono);
    this.transport = init.transport;
    this.ip = init.ip;
    this.principal = init.principal;
    this.userAgent = init.userAgent;
    this.limits = limits;
    this.direct = typeof init.transport.writeEvent === 'function' || init.transport.sseSink !== undefined;
    this.directReady = this.direct;
    this.directCount = host.directCounter(init.transport.kind);
    this.sinkStream = init.transport.sseSink?.stream ?? null;
    this.sinkNamed = init.transport.sseSink?.named ?? false;
    this.armExpiry();
  }

  /**
   * Replaces the principal (a refreshed token) and moves the end of the session to its expiry.
   * The caller has checked that `next` keeps the rights the subscriptions were authorized under.
   */
  setPrincipal(next: Principal): void {
    if (this.state !== 'open') return;
    this.principal = next;
    this.armExpiry();
  }

  /** A session lives no longer than its credential: at `expiresAt` it ends with `token_expired`. */
  private armExpiry(): void {
    const expiresAt = this.principal.expiresAt;
    const previous = this.timers.expiry;
    if (previous !== undefined) this.host.timers.cancel(previous);
    delete this.timers.expiry;
    if (expiresAt === null) return;
    this.setTimer('expiry', Math.max(0, expiresAt - Date.now()), () => {
      // Fired on a tick at or after the due time; a refresh in between re-armed it.
      if (this.principal.expiresAt !== null && this.principal.expiresAt <= Date.now()) this.close(TOKEN_EXPIRED);
      else this.armExpiry();
    });
  }

  /** Kind of transport, for metrics and the connections list. */
  get kind(): TransportKind {
    return this.transport.kind;
  }

  /** Events waiting in the queue (not yet handed to the transport). */
  get queued(): number {
    return this.queuedEvents;
  }

  /**
   * Allocates the next subscription id (`s1`, `s2`, …). The first ids are shared strings, the same
   * object in every session: the WebSocket fast path finds an event's frame for a subscription id
   * by identity (`SerializedEvent.wsFrame`), without reading a per-session string.
   */
  newSubscriptionId(): string {
    const n = this.nextSubId++;
    return n < SHARED_SUB_IDS.length ? SHARED_SUB_IDS[n]! : `s${n}`;
  }

  /** Runs `listener` once when the session closes. */
  onClose(listener: (reason: CloseReason) => void): void {
    if (this.state === 'closed') return;
    this.closeListeners.push(listener);
  }

  /**
   * Hot path: called by the dispatcher for each matching event.
   *
   * Fast path: when nothing is queued, the transport is not waiting for a drain and the session has
   * not yet written this tick, the event's shared pre-built frame is written at once, in one write,
   * with no queue item and no flush pass. Otherwise the event is queued (or added to the
   * subscription's batch) and the flush pass writes everything queued in one write: a session that
   * gets events faster than one per tick still writes once per tick, and anything queued before
   * (a control, a snapshot) keeps its place ahead of the event.
   *
   * `tick` is the number of the current event-loop tick, given by the hub once per dispatched
   * event: a session writes at most one event straight to its transport per tick. `0` (the
   * default) while the hub dispatches a burst (several events in one bus delivery), which is
   * coalesced like anything else that arrives within a tick.
   */
  enqueue(target: DeliveryTarget, event: SerializedEvent, tick = 0): void {
    if (this.state !== 'open') return;
    if (target.batched) {
      this.addToBatch(target.sub, event);
      return;
    }
    if (this.directReady && tick !== this.lastDirectTick && tick !== 0) {
      this.lastDirectTick = tick;
      this.writeDirect(target.subId, event);
      return;
    }
    this.push({ kind: 'event', sub: target.subId, event }, 1, event.size);
  }

  /** Adds an event to a batching subscription's pending batch; a full batch goes to the queue. */
  private addToBatch(sub: Subscription, event: SerializedEvent): void {
    const batch = sub.batch;
    if (batch === null) return;
    sub.pending.push(event);
    if (sub.pending.length >= batch.max) this.releaseBatch(sub);
    else if (sub.pending.length === 1)
      sub.batchTimer = this.host.timers.schedule(batch.ms, () => this.releaseBatch(sub));
  }

  /** Queues a control message (it still counts toward the queue bound). */
  control(name: ControlName, data: Readonly<Record<string, unknown>>, sub?: string): void {
    if (this.state !== 'open') return;
    this.push(sub === undefined ? { kind: 'control', name, data } : { kind: 'control', name, data, sub }, 0, 64);
  }

  /**
   * Queues a source's message (see {@link Outbound} `message`); it counts toward the queue bound
   * like an event, so a reader too slow for a source's stream is cut off like any slow consumer.
   */
  message(name: string, json: string, sub?: string): void {
    if (this.state !== 'open') return;
    this.push(
      sub === undefined ? { kind: 'message', name, json } : { kind: 'message', name, json, sub },
      1,
      json.length,
    );
  }

  /** Queues items that bypass the queue bound (snapshots, replay); used by the hub. */
  pushUnbounded(item: Outbound): void {
    if (this.state !== 'open') return;
    this.queue.push(item);
    this.directReady = false;
    this.scheduleFlush();
  }

  /** Moves a subscription's pending batch into the queue. */
  releaseBatch(sub: Subscription): void {
    if (sub.batchTimer !== undefined) {
      this.host.timers.cancel(sub.batchTimer);
      sub.batchTimer = undefined;
    }
    if (sub.pending.length === 0 || this.state !== 'open' || sub.closed) return;
    const events = sub.pending;
    sub.pending = [];
    let bytes = 0;
    for (const e of events) bytes += e.size;
    this.push({ kind: 'batch', sub: sub.id, events }, events.length, bytes);
  }

  /** Schedules a flush on the hub's shared flush pass (once per tick per session). */
  scheduleFlush(): void {
    if (this.flushScheduled || this.state !== 'open') return;
    this.flushScheduled = true;
    this.host.requestFlush(this);
  }

  /**
   * Writes everything queued in one transport write, then advances catch-up subscriptions while
   * the transport has room. Called by the hub's flush pass with the pass's start time, which every
   * session of the pass reports as its write time (one clock read per pass, and equal latencies
   * the metrics record as one weighted observation).
   */
  flush(now: number = this.host.clock.now()): void {
    this.flushScheduled = false;
    if (this.state !== 'open' || this.waitingForDrain) return;
    this.writeQueued(now);
    if (this.state === 'open' && !this.waitingForDrain) this.host.advanceCatchup(this, CATCHUP_BUDGET);
  }

  /** Writes items straight to the transport (used by flush and catch-up); `now` is the write time. */
  writeOut(items: readonly Outbound[], eventCount: number, live: boolean, now: number = this.host.clock.now()): void {
    if (this.state !== 'open' || items.length === 0) return;
    const ok = this.transport.write(items);
    this.sent += eventCount;
    this.lastWriteStamp = activityStamp(now);
    this.host.observer.delivered(this.kind, items, now, live);
    if (!ok || this.transport.needsDrain()) this.awaitDrain();
  }

  /**
   * Milliseconds since the session last wrote an event, control or heartbeat, at monotonic time
   * `now` (whole milliseconds; exact for spans under 12 days, see `activity.ts`).
   */
  idleMs(now: number): number {
    return msSinceStamp(this.lastWriteStamp, now);
  }

  /**
   * Runs `fire` once after `delayMs` on the shared wheel, replacing the session's previous timer of
   * the same purpose. Every timer is cancelled when the session closes.
   */
  setTimer(purpose: SessionTimer, delayMs: number, fire: () => void): void {
    if (this.state !== 'open') return;
    const previous = this.timers[purpose];
    if (previous !== undefined) this.host.timers.cancel(previous);
    this.timers[purpose] = this.host.timers.schedule(delayMs, fire);
  }

  /** Monotonic due time of the session's timer for `purpose`, or `null` when none is pending. */
  timerDue(purpose: SessionTimer): number | null {
    const handle = this.timers[purpose];
    return handle === undefined || handle.slot < 0 ? null : handle.due;
  }

  /** Whether the transport is blocked on a drain. */
  get blocked(): boolean {
    return this.waitingForDrain;
  }

  /** Monotonic time since which the transport has been blocked on a drain, or `null`. */
  blockedSinceMono: number | null = null;

  /** Ends the session: removes its subscriptions, tells the transport, runs close listeners. */
  close(reason: CloseReason): void {
    if (this.state === 'closed') return;
    if (reason.code !== 'slow_consumer' && reason.code !== 'client_closed' && !this.waitingForDrain) {
      // A deliberate close (shutdown, admin, poll answer) first hands over what is already queued:
      // a long-poll answers with the head as its position, so it must carry every event before it.
      for (const sub of this.subscriptions.values()) this.releaseBatch(sub);
      this.writeQueued();
    }
    this.state = 'closed';
    this.directReady = false;
    this.host.detach(this);
    for (const sub of this.subscriptions.values()) {
      if (sub.batchTimer !== undefined) this.host.timers.cancel(sub.batchTimer);
      sub.release();
    }
    for (const handle of Object.values(this.timers)) this.host.timers.cancel(handle);
    this.dropped += this.queuedEvents;
    this.queue = [];
    this.queuedEvents = 0;
    this.queuedBytes = 0;
    this.transport.close(reason);
    const listeners = this.closeListeners;
    this.closeListeners = [];
    for (const listener of listeners) listener(reason);
  }

  /** The connections-list row. */
  info(): SessionInfo {
    return {
      id: this.id,
      transport: this.kind,
      ip: this.ip,
      principal: this.principal.id,
      since: new Date(this.openedAt).toISOString(),
      subscriptions: [...this.subscriptions.values()].map((s) => ({
        id: s.id,
        topics: s.filter.spec.topics,
        types: s.filter.spec.types,
        sources: s.filter.spec.sources,
        match: s.filter.spec.match,
        mode: s.mode,
        ...(s.extension === null ? {} : { extension: s.extension }),
      })),
      queued: this.queuedEvents,
      bufferedBytes: this.transport.bufferedBytes(),
      sent: this.sent,
      dropped: this.dropped,
      ...(this.userAgent === undefined ? {} : { userAgent: this.userAgent }),
    };
  }

  /**
   * The fast path's write. The event went out during its dispatch, so its accept time stands for
   * the write time (the idle heartbeat only needs to know the session was not idle); the hub
   * counts it in the transport's {@link DirectCounter} and reports the dispatch's writes at once.
   */
  private writeDirect(sub: string, event: SerializedEvent): void {
    const sink = this.sinkStream;
    // The session is open, so the writer is not closed; a writable sink is all that is left to check.
    const ok =
      sink === null ? this.transport.writeEvent!(sub, event) : !sink.writable || sink.write(event.sse(this.sinkNamed));
    this.sent++;
    this.lastWriteStamp = event.acceptedStamp;
    this.directCount.n++;
    if (!ok) this.awaitDrain();
  }

  /** Recomputes {@link directReady} after the queue, the drain wait or the state changed. */
  private refreshDirect(): void {
    this.directReady = this.direct && this.state === 'open' && !this.waitingForDrain && this.queue.length === 0;
  }

  /** Hands everything queued to the transport in one write and empties the queue. */
  private writeQueued(now?: number): void {
    if (this.queue.length === 0) return;
    const items = this.queue;
    const count = this.queuedEvents;
    this.queue = [];
    this.queuedEvents = 0;
    this.queuedBytes = 0;
    this.writeOut(items, count, true, now);
    this.refreshDirect();
  }

  private push(item: Outbound, events: number, bytes: number): void {
    this.queue.push(item);
    this.directReady = false;
    this.queuedEvents += events;
    this.queuedBytes += bytes;
    if (
      this.waitingForDrain &&
      (this.queuedEvents > this.limits.maxEvents ||
        this.queuedBytes + this.transport.bufferedBytes() > this.limits.maxBytes)
    ) {
      this.host.slowConsumer(this);
      return;
    }
    this.scheduleFlush();
  }

  private awaitDrain(): void {
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.directReady = false;
    this.blockedSinceMono = this.host.clock.now();
    this.transport.onDrain(() => {
      this.waitingForDrain = false;
      this.refreshDirect();
      this.blockedSinceMono = null;
      if (this.state === 'open') this.flush();
    });
  }
}
