import { toLiveEvent, type LiveEvent, type StampedDraft } from '../core/event.js';
import { newEpoch, parseEventId } from '../core/event-id.js';
import type { Bus, BusHealth, BusListener } from './bus.js';

/** Options of a {@link MemoryBus}. */
export interface MemoryBusOptions {
  /** Events kept for {@link MemoryBus.start} replay and {@link MemoryBus.read}. Defaults to 10,000. */
  readonly retainEvents?: number;
}

/**
 * Single-process bus: a counter, a bounded log and a synchronous hand-off. A new epoch for every
 * bus object, so ids held by clients from before a restart are recognised as foreign and answered
 * with a `reset`. Events appended while no listener is attached are kept in the log and replayed by
 * the next {@link start}, as a shared bus replays what other nodes appended.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly retainsHistory = false;
  readonly epoch: string;
  private readonly retain: number;
  private seq = 0;
  private log: LiveEvent[] = [];
  private listener: BusListener | undefined;
  private readonly healthListeners = new Set<(health: BusHealth) => void>();

  /** @param epoch fixed epoch, for tests; defaults to a new random one. */
  constructor(epoch: string = newEpoch(), options: MemoryBusOptions = {}) {
    this.epoch = epoch;
    this.retain = options.retainEvents ?? 10_000;
    if (!Number.isInteger(this.retain) || this.retain < 1)
      throw new TypeError('MemoryBus: retainEvents must be an integer >= 1');
  }

  async start(listener: BusListener, from: string | null = null): Promise<void> {
    if (this.listener !== undefined) throw new Error('MemoryBus: already started');
    const replay = this.after(from, Number.MAX_SAFE_INTEGER);
    if (replay.length > 0) listener(replay === 'reset' ? this.log.slice() : replay);
    this.listener = listener;
    this.emitHealth();
  }

  async append(drafts: readonly StampedDraft[]): Promise<LiveEvent[]> {
    const events: LiveEvent[] = new Array(drafts.length);
    for (let i = 0; i < drafts.length; i++) {
      const draft = drafts[i]!;
      const seq = ++this.seq;
      events[i] = toLiveEvent(draft, this.epoch, seq);
    }
    for (const event of events) this.log.push(event);
    if (this.log.length > this.retain * 2) this.log = this.log.slice(this.log.length - this.retain);
    // Synchronous hand-off: the caller's await resumes after every subscriber has it queued.
    this.listener?.(events);
    return events;
  }

  async read(after: string, limit: number): Promise<LiveEvent[] | 'reset'> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('MemoryBus.read: limit must be an integer >= 1');
    return this.after(after, limit);
  }

  health(): BusHealth {
    return this.listener ? { ok: true } : { ok: false, detail: 'not started' };
  }

  onHealth(listener: (health: BusHealth) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  async stop(): Promise<void> {
    if (this.listener === undefined) return;
    this.listener = undefined;
    this.emitHealth();
  }

  /** Retained events after `position` (null = all), or `'reset'` for a foreign or trimmed one. */
  private after(position: string | null, limit: number): LiveEvent[] | 'reset' {
    this.trim();
    if (position === null) return this.log.slice(0, limit);
    const parsed = parseEventId(position);
    if (parsed === null || parsed.epoch !== this.epoch || parsed.seq > this.seq) return 'reset';
    const first = this.log.length === 0 ? this.seq + 1 : this.log[0]!.seq;
    if (parsed.seq < first - 1) return 'reset';
    // Seqs are contiguous in a memory bus: the event after `parsed.seq` sits at a known index.
    const start = parsed.seq - first + 1;
    return this.log.slice(start, start + limit);
  }

  private trim(): void {
    if (this.log.length > this.retain) this.log = this.log.slice(this.log.length - this.retain);
  }

  private emitHealth(): void {
    const health = this.health();
    for (const listener of [...this.healthListeners]) listener(health);
  }
}
