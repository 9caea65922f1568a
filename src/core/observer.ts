import type { LiveEvent } from './event.js';
import type { Outbound, TransportKind } from './outbound.js';

/** Hooks the hub calls for metrics; the HTTP layer implements them with prom-client. */
export interface HubObserver {
  published(event: LiveEvent): void;
  /**
   * Items handed to a transport at monotonic time `now` (ms). `live` is false for replayed
   * (catch-up) items, whose age is not a delivery latency.
   */
  delivered(kind: TransportKind, items: readonly Outbound[], now: number, live: boolean): void;
  /**
   * `count` live events written straight to transports of `kind` as one event was dispatched (the
   * fast path of idle sessions), all `ageMs` old when the dispatch ended: one call per event and
   * transport instead of one per delivery. Without it the hub reports them through
   * {@link delivered}, one item at a time.
   */
  deliveredLive?(kind: TransportKind, count: number, ageMs: number): void;
  sessionOpened(kind: TransportKind): void;
  sessionClosed(kind: TransportKind, seconds: number, reason: string): void;
  slowConsumer(kind: TransportKind, dropped: number): void;
}

/** An observer that records nothing; the default. */
export const NOOP_OBSERVER: HubObserver = Object.freeze({
  published() {},
  delivered() {},
  deliveredLive() {},
  sessionOpened() {},
  sessionClosed() {},
  slowConsumer() {},
});
