/**
 * Resume bookkeeping: the last delivered id (the point every reconnect resumes from, on whatever
 * transport) and duplicate dropping.
 *
 * Ids are opaque except for one documented property: `<epoch>-<seq>`, where the part before the
 * last `-` names the server's epoch. Within one epoch an event whose `seq` is not above the last
 * delivered one was already delivered (replays after a reconnect or a transport switch overlap).
 * Across epochs nothing is compared: the server sends a `reset` and snapshots instead.
 */
import { SNAPSHOT_TYPE } from '@livegate/protocol';
import type { LivegateEvent } from './types.js';

/** Type of the synthetic event carrying a state topic's current state. */
export { SNAPSHOT_TYPE };

/** The epoch part of an id (before the last `-`), or `null` when the id has none. */
export function epochOf(id: string): string | null {
  const dash = id.lastIndexOf('-');
  return dash > 0 ? id.slice(0, dash) : null;
}

/** The `seq` part of an id (after the last `-`), or `null` when it is not a decimal integer. */
export function seqOf(id: string): number | null {
  const dash = id.lastIndexOf('-');
  if (dash <= 0) return null;
  const digits = id.slice(dash + 1);
  if (!/^\d{1,16}$/.test(digits)) return null;
  const seq = Number(digits);
  return Number.isSafeInteger(seq) ? seq : null;
}

/** Tracks the resume point and decides which received events are new. */
export class ResumeCursor {
  #lastId: string | null = null;
  #epoch: string | null = null;
  #seq: number | null = null;

  constructor(initialId: string | null = null) {
    if (initialId !== null) this.#set(initialId, seqOf(initialId));
  }

  /** The id to resume from, or `null` to start fresh (snapshots). */
  get lastId(): string | null {
    return this.#lastId;
  }

  /**
   * Whether `event` should be delivered; advances the resume point when it is. Snapshots are
   * always delivered (every snapshot of one subscription carries the same position) and never
   * move the resume point backwards.
   */
  accept(event: LivegateEvent): boolean {
    const epoch = epochOf(event.id);
    const seq = Number.isSafeInteger(event.seq) ? event.seq : seqOf(event.id);
    if (event.type === SNAPSHOT_TYPE) {
      if (!this.#isBehind(epoch, seq)) this.#set(event.id, seq);
      return true;
    }
    if (event.id === this.#lastId) return false;
    if (this.#isBehind(epoch, seq) || (epoch !== null && epoch === this.#epoch && seq !== null && seq === this.#seq))
      return false;
    this.#set(event.id, seq);
    return true;
  }

  /**
   * Adopts a position the server confirmed without an event (long-poll `lastEventId`): nothing
   * matching the filter was skipped up to it, so resuming from there is safe and keeps an idle
   * client's resume point inside the server's replay window. Only moves forward within an epoch.
   */
  advanceTo(id: string): boolean {
    const epoch = epochOf(id);
    const seq = seqOf(id);
    if (epoch === null || seq === null) return false;
    if (this.#lastId !== null && (epoch !== this.#epoch || this.#seq === null || seq <= this.#seq)) return false;
    this.#set(id, seq);
    return true;
  }

  /** Forgets the resume point (after a `reset`, or when the server refused the id). */
  clear(): void {
    this.#lastId = null;
    this.#epoch = null;
    this.#seq = null;
  }

  /** Whether a position is strictly behind the current one in the same epoch. */
  #isBehind(epoch: string | null, seq: number | null): boolean {
    return epoch !== null && epoch === this.#epoch && seq !== null && this.#seq !== null && seq < this.#seq;
  }

  #set(id: string, seq: number | null): void {
    this.#lastId = id;
    this.#epoch = epochOf(id);
    this.#seq = seq;
  }
}
