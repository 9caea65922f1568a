/**
 * A state topic as the dashboard reads it: the SDK's store ({@link createStore}) when the server
 * sends snapshots for the topic, and otherwise the same reducer fed from live deltas alone.
 *
 * Why the fallback: `alerts` and `silences` are state topics only while an alert source is
 * enabled on the server. Without one, events published through `POST /api/v2/events` still
 * arrive, but the SDK's store keeps them back until a snapshot that never comes. Here they are
 * folded into an empty state instead, so the dashboard shows them either way.
 */
import {
  createStore,
  type LivegateClient,
  type LivegateStore,
  type StateReducer,
} from '../../packages/client/src/index.js';

/** Where the data shown comes from. */
export type TopicStatus =
  /** Nothing received yet. */
  | 'pending'
  /** The server's snapshot plus the deltas since. */
  | 'ready'
  /** The server reset the stream; this is the last known state until the new snapshot. */
  | 'stale'
  /** No snapshot for this topic: the state is built from live events only. */
  | 'live';

/** What a view renders. */
export interface TopicView<S> {
  readonly status: TopicStatus;
  readonly data: S;
}

/** One topic's state, with change notification. */
export class TopicState<S> {
  readonly topic: string;
  readonly #store: LivegateStore<S>;
  readonly #reducer: StateReducer<S>;
  readonly #empty: S;
  readonly #listeners = new Set<() => void>();
  #local: S;
  #sawDelta = false;
  #view: TopicView<S>;

  /**
   * @param client - The dashboard's client.
   * @param topic - A state topic the client subscribes to.
   * @param reducer - The SDK's reducer of that topic (`alertsReducer`, …).
   * @param deltas - Envelope type pattern of the topic's deltas (`alert_*`).
   */
  constructor(client: LivegateClient, topic: string, reducer: StateReducer<S>, deltas: string) {
    this.topic = topic;
    this.#reducer = reducer;
    this.#store = createStore<S>(client, topic);
    this.#empty = reducer.fromSnapshot(undefined);
    this.#local = this.#empty;
    this.#view = this.#compute();
    this.#store.subscribe(() => this.#update());
    // The client applies an event to its stores before calling listeners, so a store that is still
    // pending here has no snapshot to apply it to.
    client.on(deltas, (event) => {
      if (event.topic !== topic || this.#store.getState().status !== 'pending') return;
      this.#local = this.#reducer.apply(this.#local, event);
      this.#sawDelta = true;
      this.#update();
    });
    // A reset means the server lost our place: deltas folded so far may be wrong or missing.
    client.on('reset', () => {
      if (this.#store.getState().status !== 'pending') return;
      this.#local = this.#empty;
      this.#update();
    });
  }

  /** The state to render; the same object until something changes. */
  get(): TopicView<S> {
    return this.#view;
  }

  /** Calls `listener` after every change; returns a function that stops it. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #compute(): TopicView<S> {
    const stored = this.#store.getState();
    if (stored.status !== 'pending' && stored.data !== undefined) return { status: stored.status, data: stored.data };
    return { status: this.#sawDelta ? 'live' : 'pending', data: this.#local };
  }

  #update(): void {
    const next = this.#compute();
    if (next.status === this.#view.status && next.data === this.#view.data) return;
    this.#view = next;
    for (const listener of [...this.#listeners]) listener();
  }
}
