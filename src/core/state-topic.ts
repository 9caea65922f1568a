import type { Labels, LiveEvent } from './event.js';

/**
 * A state topic keeps the current state of something (open alerts, silences, component health)
 * so that a new subscriber can be sent a `snapshot` before the live deltas.
 *
 * The hub feeds every event of the topic to {@link StateReducer.apply} in bus order, before the
 * event is dispatched. State is therefore derived from the ordered stream itself: the snapshot a
 * subscriber gets is exactly the state as of the event id it carries, and every livegate node that
 * reads the same bus derives the same state.
 */
export interface StateReducer {
  /** Topic this reducer owns, e.g. `alerts`. */
  readonly topic: string;
  /** Applies one event of {@link topic}, in bus order. Must not throw and must not publish. */
  apply(event: LiveEvent): void;
  /**
   * The current state as the `data` of a snapshot event. `include` tells whether an item with the
   * given labels passes the subscriber's label matchers; reducers whose items carry labels should
   * leave out the items it rejects.
   */
  snapshot(include: (labels: Labels) => boolean): unknown;
}
