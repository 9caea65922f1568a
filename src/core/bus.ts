import type { LiveEvent, StampedDraft } from './event.js';

/**
 * The bus as the core sees it. The interface lives in core (the hub is its consumer); `src/bus/`
 * holds the implementations and their factory, and imports core, never the other way round.
 */

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
 *
 * Every implementation passes `test/contract/bus-contract.ts`.
 */
export interface Bus {
  /** Short name for logs and metrics, e.g. `memory`, `redis`. */
  readonly kind: string;
  /**
   * Whether {@link read} may hold events older than a hub's replay window (a durable shared
   * stream such as Redis'): the hub then reads it for resumes the window no longer covers. `false`
   * for a bus whose history is no longer than the window (the memory bus).
   */
  readonly retainsHistory: boolean;
  /** Current epoch; ids of another epoch are answered with a `reset`. Valid after `start`. */
  readonly epoch: string;
  /**
   * Starts the bus. Before the promise resolves, every retained event after position `from`
   * (an event id; `null` or omitted = from the oldest event the bus retains) is delivered to
   * `listener` in order; after that, live events follow without gap or duplicate. A `from` of
   * another epoch replays from the oldest retained event.
   */
  start(listener: BusListener, from?: string | null): Promise<void>;
  /**
   * Orders and stores drafts. Resolves to the events as ordered. The memory bus delivers them to
   * the listener before this returns; a shared bus may deliver them later (after the round trip).
   */
  append(drafts: readonly StampedDraft[]): Promise<LiveEvent[]>;
  /**
   * Up to `limit` retained events after position `after`, oldest first: for resumes older than the
   * hub's replay window. `'reset'` when `after` is of another epoch or events after it were trimmed.
   */
  read(after: string, limit: number): Promise<LiveEvent[] | 'reset'>;
  /** Current health. */
  health(): BusHealth;
  /**
   * Calls `listener` with every change of {@link health} (not with the current value). Returns a
   * function that removes the listener.
   */
  onHealth(listener: (health: BusHealth) => void): () => void;
  /** Stops delivering and releases connections. Idempotent. */
  stop(): Promise<void>;
}
