/**
 * Current state of state topics (alerts, silences, health, stats, …), kept by the client from
 * snapshots and deltas so that a store created at any time — long after the snapshot went by —
 * shows the right state. {@link createStore} gives a topic's state as an external store
 * (`getState` + `subscribe`) for React's `useSyncExternalStore`, Vue, or plain code.
 */
import { SNAPSHOT_TYPE } from './resume.js';
import { BUILTIN_REDUCERS, snapshotOnlyReducer, type StateReducer } from './state-reducers.js';
import type { LivegateEvent, StateTopicMap, SubscriptionFilter } from './types.js';

/**
 * - `pending`: no snapshot yet;
 * - `ready`: built from a snapshot and the deltas since;
 * - `stale`: the server sent `reset`; `data` is the last known state until the new snapshot.
 */
export type StoreStatus = 'pending' | 'ready' | 'stale';

/** A topic's state at one moment. Immutable; a new object on every change. */
export interface StoreSnapshot<S> {
  readonly status: StoreStatus;
  /** The state; `undefined` while `pending`. */
  readonly data: S | undefined;
  /** Id of the last event applied. */
  readonly lastEventId: string | null;
}

/** One topic's state as an external store. */
export interface LivegateStore<S> {
  readonly topic: string;
  /** The current snapshot; the same object until something changes. */
  getState(): StoreSnapshot<S>;
  /** Calls `listener` after every change; returns a function that stops it. */
  subscribe(listener: () => void): () => void;
}

/** Options of {@link createStore}. */
export interface StoreOptions<S> {
  /** Reducer for a topic without a built-in one. Defaults to the built-in reducer, or "the snapshot is the state". */
  readonly reducer?: StateReducer<S>;
}

const PENDING: StoreSnapshot<never> = Object.freeze({ status: 'pending', data: undefined, lastEventId: null });

interface Entry {
  reducer: StateReducer<unknown>;
  snapshot: StoreSnapshot<unknown>;
  readonly listeners: Set<() => void>;
}

/** The client's per-topic state. Internal: reached through {@link createStore}. */
export class StateTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Applies a delivered event. Topics are tracked from their first snapshot (or registration) on. */
  apply(event: LivegateEvent): void {
    let entry = this.#entries.get(event.topic);
    if (event.type === SNAPSHOT_TYPE) {
      entry ??= this.#create(event.topic, BUILTIN_REDUCERS[event.topic] ?? snapshotOnlyReducer);
      this.#set(entry, { status: 'ready', data: entry.reducer.fromSnapshot(event.data), lastEventId: event.id });
      return;
    }
    if (entry === undefined || entry.snapshot.data === undefined) return;
    const data = entry.reducer.apply(entry.snapshot.data, event);
    if (data !== entry.snapshot.data) this.#set(entry, { status: entry.snapshot.status, data, lastEventId: event.id });
  }

  /** After a `reset`: every known state is stale until its new snapshot. */
  markStale(): void {
    for (const entry of this.#entries.values()) {
      if (entry.snapshot.status === 'ready') this.#set(entry, { ...entry.snapshot, status: 'stale' });
    }
  }

  /** Forgets topics the filter no longer covers (their state would silently go out of date). */
  retain(filter: SubscriptionFilter): void {
    if (filter.topics === undefined) return;
    for (const [topic, entry] of this.#entries) {
      if (!filter.topics.includes(topic) && entry.snapshot !== PENDING) this.#set(entry, PENDING);
    }
  }

  /** A topic's store, registering `reducer` for it when given. */
  store<S>(topic: string, reducer?: StateReducer<S>): LivegateStore<S> {
    let entry = this.#entries.get(topic);
    if (entry === undefined)
      entry = this.#create(
        topic,
        (reducer as StateReducer<unknown> | undefined) ?? BUILTIN_REDUCERS[topic] ?? snapshotOnlyReducer,
      );
    else if (reducer !== undefined && entry.reducer !== reducer) {
      if (entry.snapshot.status !== 'pending' && entry.reducer !== snapshotOnlyReducer) {
        throw new TypeError(
          `topic "${topic}" already has a different reducer; create its stores with the same reducer object`,
        );
      }
      entry.reducer = reducer as StateReducer<unknown>;
    }
    const e = entry;
    return {
      topic,
      getState: () => e.snapshot as StoreSnapshot<S>,
      subscribe: (listener) => {
        e.listeners.add(listener);
        return () => e.listeners.delete(listener);
      },
    };
  }

  #create(topic: string, reducer: StateReducer<unknown>): Entry {
    const entry: Entry = { reducer, snapshot: PENDING, listeners: new Set() };
    this.#entries.set(topic, entry);
    return entry;
  }

  #set(entry: Entry, snapshot: StoreSnapshot<unknown>): void {
    entry.snapshot = snapshot;
    for (const listener of [...entry.listeners]) {
      try {
        listener();
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }
}

const trackers = new WeakMap<object, StateTracker>();

/** Links a client to its tracker (called by `createClient`). */
export function attachTracker(client: object, tracker: StateTracker): void {
  trackers.set(client, tracker);
}

/**
 * The state of one topic of `client` as an external store: snapshot first, then deltas, rebuilt
 * after a `reset`. Built-in reducers cover `alerts`, `silences`, `health` and `stats`; pass
 * `options.reducer` for your own state topics. Stores of one topic share one state, so creating
 * many is cheap.
 *
 * The topic must be part of the client's subscription; state only exists for topics received.
 */
export function createStore<K extends keyof StateTopicMap>(client: object, topic: K): LivegateStore<StateTopicMap[K]>;
export function createStore<S = unknown>(client: object, topic: string, options?: StoreOptions<S>): LivegateStore<S>;
export function createStore<S>(client: object, topic: string, options: StoreOptions<S> = {}): LivegateStore<S> {
  const tracker = trackers.get(client);
  if (tracker === undefined) throw new TypeError('createStore needs a client made by createClient()');
  if (typeof topic !== 'string' || topic === '') throw new TypeError('createStore needs a topic name, e.g. "alerts"');
  return tracker.store(topic, options.reducer);
}
