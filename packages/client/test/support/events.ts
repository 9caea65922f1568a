import type { LivegateEvent } from '../../src/types.js';

/** Builds an envelope with id `<epoch>-<seq>`. */
export function ev(
  seq: number,
  init: { topic?: string; type?: string; data?: unknown; epoch?: string; labels?: Record<string, string> } = {},
): LivegateEvent {
  const epoch = init.epoch ?? 'epocha';
  return {
    id: `${epoch}-${seq}`,
    seq,
    topic: init.topic ?? 't',
    type: init.type ?? 'thing',
    source: 'test',
    time: '2026-01-01T00:00:00.000Z',
    labels: init.labels ?? {},
    data: init.data ?? seq,
  };
}

/** A snapshot envelope at position `seq`. */
export function snapshot(seq: number, topic: string, data: unknown, epoch = 'epocha'): LivegateEvent {
  return ev(seq, { topic, type: 'snapshot', data, epoch });
}
