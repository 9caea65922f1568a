/**
 * The event envelope: the one shape every publisher produces and every transport delivers.
 *
 * A publisher hands the hub an {@link EventDraft}; the bus stamps it with an id and a sequence
 * number and it becomes a {@link LiveEvent}. Transports never change an event: they serialize the
 * same envelope (see `serialized-event.ts`) so a client can switch transport and resume by id.
 */

/** Label set attached to an event, matched by label matchers (`{severity="critical"}`). */
export type Labels = Record<string, string>;

/** What a publisher submits. Everything but `topic` and `type` is optional. */
export interface EventDraft {
  /** Stream the event belongs to, e.g. `alerts`. Lowercase letters, digits, `_`, `-`, `.`; 1–64 chars. */
  readonly topic: string;
  /** What happened, e.g. `alert_firing`. Letters, digits, `_`, `-`, `.`, `:`; 1–64 chars. */
  readonly type: string;
  /** Who published it, e.g. `alertmanager/prod`. Defaults to `api`. */
  readonly source?: string;
  /** Labels used by label matchers. Names follow Prometheus rules (`[a-zA-Z_][a-zA-Z0-9_]*`). */
  readonly labels?: Labels;
  /** Arbitrary JSON payload. Defaults to `null`. */
  readonly data?: unknown;
  /** ISO-8601 time of the fact. Defaults to the time the hub accepted it. */
  readonly time?: string;
}

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

/** Event type of the synthetic event carrying a state topic's current state. */
export const SNAPSHOT_TYPE = 'snapshot';
