/**
 * Stitching two streams when the subscription filter changes without a gap or duplicates.
 *
 * A filter change opens a new stream (a new WebSocket subscription, or a new SSE/long-poll
 * request) while the old one still delivers. A scalar resume id cannot deduplicate two streams
 * with different filters (an event only the new filter matches may sit below the old stream's
 * position), so the old stream's events are held back from the moment the change starts:
 *
 * - `resume` mode (the new stream resumes from the last delivered id): once the new stream is
 *   confirmed, the held events are dropped — the new stream replays everything after that id that
 *   its filter matches.
 * - `fresh` mode (a client with no resume id yet: the new stream starts with snapshots at the
 *   server's head H and goes live from there; a client that has a resume id asks for the snapshots
 *   it needs beside it and uses `resume` mode): held events up to H are released before the new
 *   stream's first event, those after H are dropped (the new stream delivers them live).
 *
 * If the change fails, {@link StreamSwap.abort} releases everything held and the old stream
 * simply continues.
 */
import { epochOf } from './resume.js';
import type { LivegateEvent } from './types.js';

/** How the new stream starts. */
export type SwapMode = 'resume' | 'fresh';

type Phase = 'pending' | 'committed' | 'done';

/** One filter change in flight. */
export class StreamSwap {
  readonly mode: SwapMode;
  #phase: Phase = 'pending';
  #held: LivegateEvent[] = [];
  /** Head position of the new stream (fresh mode), once known. */
  #head: { epoch: string | null; seq: number } | null = null;

  constructor(mode: SwapMode) {
    this.mode = mode;
  }

  /** Whether the swap has finished (committed and stitched, or aborted). */
  get done(): boolean {
    return this.#phase === 'done';
  }

  /** Events from the old stream: held while the swap is undecided; returns what to deliver now. */
  fromOld(events: readonly LivegateEvent[]): readonly LivegateEvent[] {
    if (this.#phase !== 'done') {
      this.#held.push(...events);
      return [];
    }
    // Late old-stream events after the stitch: only those below the new stream's start are new.
    const head = this.#head;
    if (head === null) return [];
    return events.filter((e) => epochOf(e.id) !== head.epoch || e.seq <= head.seq);
  }

  /** The server confirmed the new stream. In resume mode this finishes the swap. */
  commit(): void {
    if (this.#phase !== 'pending') return;
    if (this.mode === 'resume') {
      this.#held = [];
      this.#phase = 'done';
    } else {
      this.#phase = 'committed';
    }
  }

  /** Events from the new stream; returns what to deliver now, in order. */
  fromNew(events: readonly LivegateEvent[]): readonly LivegateEvent[] {
    if (this.#phase === 'done' || events.length === 0) return events;
    if (this.mode === 'resume') {
      // Events before the confirmation cannot happen on livegate; treat them as confirming.
      this.commit();
      return events;
    }
    const first = events[0]!;
    const head = { epoch: epochOf(first.id), seq: first.seq };
    this.#head = head;
    const released = this.#held.filter((e) => epochOf(e.id) !== head.epoch || e.seq <= head.seq);
    this.#held = [];
    this.#phase = 'done';
    return released.length === 0 ? events : [...released, ...events];
  }

  /** The change failed or the new stream vanished before stitching: returns every held event. */
  abort(): readonly LivegateEvent[] {
    if (this.#phase === 'done') return [];
    const held = this.#held;
    this.#held = [];
    this.#phase = 'done';
    return held;
  }
}
