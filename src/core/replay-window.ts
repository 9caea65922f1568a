import type { SerializedEvent } from './serialized-event.js';

/** Options of a {@link ReplayWindow}. */
export interface ReplayWindowOptions {
  /** Most events kept. Defaults to 10,000. */
  maxEvents?: number;
  /** Most envelope bytes kept. Defaults to 64 MiB. */
  maxBytes?: number;
}

/** What a resume position finds in the window. */
export type ResumeLookup =
  /** The position is inside the window: events after it start at `index` (may equal `length`). */
  | { readonly kind: 'inside'; readonly index: number }
  /** Events after the position were trimmed away: the client must reset. */
  | { readonly kind: 'trimmed' }
  /** The position is ahead of anything this window has seen (a bad or foreign id). */
  | { readonly kind: 'ahead' };

/**
 * The recent past of the bus, bounded by count and bytes: a ring buffer of events in seq order.
 * Resuming clients read the events after their last id from here. Sequence numbers need not be
 * contiguous (a shared bus may skip some on one node), so lookups use binary search.
 */
export class ReplayWindow {
  readonly maxEvents: number;
  readonly maxBytes: number;
  private ring: (SerializedEvent | undefined)[];
  private head = 0; // index of the oldest event in `ring`
  private count = 0;
  private bytes = 0;
  /** Seq of the newest event ever appended (also after trimming); 0 before the first. */
  private lastSeq = 0;
  /** Seq of the newest event trimmed away; 0 when nothing was trimmed. */
  private trimmedThrough = 0;

  constructor(options: ReplayWindowOptions = {}) {
    this.maxEvents = options.maxEvents ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1) {
      throw new TypeError('ReplayWindow: maxEvents must be an integer >= 1');
    }
    if (!(this.maxBytes >= 1)) throw new TypeError('ReplayWindow: maxBytes must be >= 1');
    this.ring = new Array(Math.min(this.maxEvents, 1024));
  }

  /** Number of events held. */
  get length(): number {
    return this.count;
  }

  /** Bytes of envelope JSON held. */
  get size(): number {
    return this.bytes;
  }

  /** Seq of the newest event appended, 0 before any. */
  get headSeq(): number {
    return this.lastSeq;
  }

  /** Seq of the oldest event still held, or `headSeq + 1` when empty. */
  get firstSeq(): number {
    return this.count === 0 ? this.lastSeq + 1 : this.at(0).event.seq;
  }

  /** Appends an event; its seq must be greater than every seq before. Trims to the bounds. */
  append(event: SerializedEvent): void {
    const seq = event.event.seq;
    if (seq <= this.lastSeq) throw new RangeError(`ReplayWindow: seq ${seq} is not after ${this.lastSeq}`);
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) % this.ring.length] = event;
    this.count++;
    this.bytes += event.size;
    this.lastSeq = seq;
    while (this.count > this.maxEvents || (this.bytes > this.maxBytes && this.count > 1)) this.dropOldest();
  }

  /** The event at `index` (0 = oldest). */
  at(index: number): SerializedEvent {
    const event = this.ring[(this.head + index) % this.ring.length];
    if (event === undefined || index < 0 || index >= this.count)
      throw new RangeError(`ReplayWindow: no index ${index}`);
    return event;
  }

  /** Finds where events after `seq` start. */
  lookup(seq: number): ResumeLookup {
    if (seq > this.lastSeq) return { kind: 'ahead' };
    if (seq < this.trimmedThrough) return { kind: 'trimmed' };
    // Every event after `seq` is still here: find the first with seq > `seq`.
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).event.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return { kind: 'inside', index: lo };
  }

  /** Index of the first event whose seq is greater than `seq` (for cursors that survive trims). */
  indexAfter(seq: number): number | null {
    const found = this.lookup(seq);
    return found.kind === 'inside' ? found.index : null;
  }

  /** Drops everything, e.g. when the bus starts a new epoch. */
  clear(lastSeq = 0): void {
    this.ring = new Array(Math.min(this.maxEvents, 1024));
    this.head = 0;
    this.count = 0;
    this.bytes = 0;
    this.lastSeq = lastSeq;
    this.trimmedThrough = lastSeq;
  }

  private dropOldest(): void {
    const oldest = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    this.bytes -= oldest.size;
    this.trimmedThrough = oldest.event.seq;
  }

  private grow(): void {
    const bigger = new Array<SerializedEvent | undefined>(Math.min(this.ring.length * 2, this.maxEvents + 1));
    for (let i = 0; i < this.count; i++) bigger[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = bigger;
    this.head = 0;
  }
}
