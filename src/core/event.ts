import { formatEventId } from './event-id.js';
/**
 * The event envelope: the one shape every publisher produces and every transport delivers.
 *
 * A publisher hands the hub an {@link EventDraft}; the bus stamps it with an id and a sequence
 * number and it becomes a {@link LiveEvent}. Transports never change an event: they serialize the
 * same envelope (see `serialized-event.ts`) so a client can switch transport and resume by id.
 */

import type { Labels } from '@livegate/protocol';

// The wire shapes are `@livegate/protocol`'s, shared with the SDK and the dashboard.
export { SNAPSHOT_TYPE, type EventDraft, type Labels } from '@livegate/protocol';

/** A draft that passed validation and got its defaults, ready for the bus to order. */
export interface StampedDraft {
  readonly topic: string;
  readonly type: string;
  readonly source: string;
  readonly labels: Labels;
  readonly data: unknown;
  readonly time: string;
}

/** An ordered, identified event as delivered to clients. */
export interface LiveEvent extends StampedDraft {
  /** Opaque resumable id; encodes the bus epoch and `seq` (see `event-id.ts`). */
  readonly id: string;
  /** Position in the bus's total order; strictly increasing within one epoch. */
  readonly seq: number;
}

/** The event a bus makes of a stamped draft at position `seq` of `epoch` (every bus builds the same shape). */
export function toLiveEvent(draft: StampedDraft, epoch: string, seq: number): LiveEvent {
  return {
    id: formatEventId(epoch, seq),
    seq,
    topic: draft.topic,
    type: draft.type,
    source: draft.source,
    time: draft.time,
    labels: draft.labels,
    data: draft.data,
  };
}
