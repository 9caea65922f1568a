import type { LiveEvent, StampedDraft } from '../core/event.js';

/** Receives the ordered stream. Called synchronously, in seq order, once per appended batch. */
export type BusListener = (events: readonly LiveEvent[]) => void;

/** Health of a bus as reported on the `health` topic and `/readyz`. */
export interface BusHealth {
  readonly ok: boolean;
  readonly detail?: string;
}

/**
 * The only place that orders events. An implementation assigns `seq` and `id` (see `event-id.ts`),
 * and delivers every appended event, from any node sharing the bus, to its listener in one total
 * order. Transports and sources never depend on which bus is in use.
 */
export interface Bus {
  /** Short name for logs and metrics, e.g. `memory`, `redis`. */
  readonly kind: string;
  /** Current epoch; ids of another epoch are answered with a `reset`. Valid after `start`. */
  readonly epoch: string;
  /** Starts the bus and begins delivering to `listener`. */
  start(listener: BusListener): Promise<void>;
  /**
   * Orders and stores drafts. Resolves to the events as ordered. The memory bus delivers them to
   * the listener before this returns; a shared bus may deliver them later (after the round trip).
   */
  append(drafts: readonly StampedDraft[]): Promise<LiveEvent[]>;
  /** Current health. */
  health(): BusHealth;
  /** Stops delivering and releases connections. Idempotent. */
  stop(): Promise<void>;
}
