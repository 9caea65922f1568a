import type { LiveEvent, StampedDraft } from '../core/event.js';
import { formatEventId, newEpoch } from '../core/event-id.js';
import type { Bus, BusHealth, BusListener } from './bus.js';

/**
 * Single-process bus: a counter and a synchronous hand-off. A new epoch at every start, so ids
 * held by clients from before a restart are recognised as foreign and answered with a `reset`.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly epoch: string;
  private seq = 0;
  private listener: BusListener | undefined;

  /** @param epoch fixed epoch, for tests; defaults to a new random one. */
  constructor(epoch: string = newEpoch()) {
    this.epoch = epoch;
  }

  async start(listener: BusListener): Promise<void> {
    this.listener = listener;
  }

  /** Synchronous core of {@link append}; the hub uses it to keep the publish path free of awaits. */
  appendSync(drafts: readonly StampedDraft[]): LiveEvent[] {
    if (!this.listener) throw new Error('MemoryBus: append before start');
    const events: LiveEvent[] = new Array(drafts.length);
    for (let i = 0; i < drafts.length; i++) {
      const draft = drafts[i]!;
      const seq = ++this.seq;
      events[i] = {
        id: formatEventId(this.epoch, seq),
        seq,
        topic: draft.topic,
        type: draft.type,
        source: draft.source,
        time: draft.time,
        labels: draft.labels,
        data: draft.data,
      };
    }
    this.listener(events);
    return events;
  }

  async append(drafts: readonly StampedDraft[]): Promise<LiveEvent[]> {
    return this.appendSync(drafts);
  }

  health(): BusHealth {
    return this.listener ? { ok: true } : { ok: false, detail: 'not started' };
  }

  async stop(): Promise<void> {
    this.listener = undefined;
  }
}
