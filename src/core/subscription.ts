import type { CompiledFilter } from './filter.js';
import type { SerializedEvent } from './serialized-event.js';
import type { TimerHandle } from './timer-wheel.js';

/** Batching of one subscription: events are grouped into one `events` message. */
export interface BatchOptions {
  /** Most events per batch. Defaults to 10. */
  readonly max: number;
  /** Longest a first event waits for companions, in ms. Defaults to 100. */
  readonly ms: number;
}

/** Defaults for {@link BatchOptions}. */
export const BATCH_DEFAULTS: BatchOptions = { max: 10, ms: 100 };

/**
 * One filter on one connection. `live` subscriptions receive events from the dispatcher; a
 * `catchup` subscription reads the replay window from `cursor` on each flush until it reaches
 * the head, then turns live. Both happen on the same thread, so no event is missed or doubled at
 * the switch. A `history` subscription resumes from before the window: it reads the bus's
 * retained stream page by page ({@link history}) until its cursor is inside the window, then
 * catches up from the window like any other.
 */
export class Subscription {
  /** Id unique within its session (`s1`, `s2`, …). */
  readonly id: string;
  readonly filter: CompiledFilter;
  readonly batch: BatchOptions | null;
  /** `catchup` while replaying from the window; `history` while reading the bus before it. */
  mode: 'live' | 'catchup' | 'history' = 'live';
  /** In `history` mode: the page read from the bus and not yet considered, oldest first. */
  history: SerializedEvent[] = [];
  /** In `history` mode: whether a page read is in flight. */
  reading = false;
  /** Seq of the last event considered (delivered or filtered out) while catching up. */
  cursor = 0;
  /**
   * State topics to snapshot when the catch-up reaches the head (a resume that adds state topics:
   * `snapshot` beside `lastEventId`). Their events are skipped while catching up — the snapshot
   * taken at the head holds them — and flow live after it. Empty for every other subscription.
   */
  snapshotOnLive: readonly string[] = [];
  /** Events waiting to be sent as a batch. */
  pending: SerializedEvent[] = [];
  /** Timer that flushes {@link pending}. */
  batchTimer: TimerHandle | undefined;
  /** Whether it is removed; a removed subscription ignores late work. */
  closed = false;
  /**
   * The subscribe-extension key (e.g. `metrics`) of a subscription a source serves instead of the
   * bus; `null` for an ordinary event subscription. Such a subscription is never in the dispatcher.
   */
  readonly extension: string | null;
  /** Called once when the subscription ends (unsubscribe or connection close). */
  private onRelease: (() => void) | undefined;

  constructor(id: string, filter: CompiledFilter, batch: BatchOptions | null, extension: string | null = null) {
    this.id = id;
    this.filter = filter;
    this.batch = batch;
    this.extension = extension;
  }

  /** Sets what {@link release} runs; used for extension subscriptions. */
  setRelease(release: () => void): void {
    this.onRelease = release;
  }

  /** Marks the subscription closed and runs its release hook once. Idempotent. */
  release(): void {
    this.closed = true;
    const release = this.onRelease;
    this.onRelease = undefined;
    release?.();
  }
}
