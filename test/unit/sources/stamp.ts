/**
 * Test helper: turns drafts into the events a bus would deliver (id, seq, defaults), so reducers
 * can be fed exactly what the sources produce.
 */
import type { EventDraft, LiveEvent } from '../../../src/core/event.js';

let seq = 0;

/** Stamps drafts in order with increasing sequence numbers. */
export function stamp(drafts: readonly EventDraft[]): LiveEvent[] {
  return drafts.map((d) => {
    seq += 1;
    return {
      id: `test-${seq}`,
      seq,
      topic: d.topic,
      type: d.type,
      source: d.source ?? 'api',
      labels: d.labels ?? {},
      data: d.data ?? null,
      time: d.time ?? new Date(0).toISOString(),
    };
  });
}

/** The `type` of each draft, for compact assertions. */
export function types(drafts: readonly EventDraft[]): string[] {
  return drafts.map((d) => d.type);
}
