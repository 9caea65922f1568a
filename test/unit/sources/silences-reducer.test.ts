import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../../src/core/event.js';
import type { Silence } from '../../../src/sources/alerts/alert-model.js';
import { SilencesReducer } from '../../../src/sources/alerts/silences-reducer.js';
import { stamp } from './stamp.js';

function silence(id: string, startsAt: string, state: Silence['status']['state'] = 'active'): Silence {
  return {
    id,
    matchers: [{ name: 'alertname', value: 'A', isRegex: false, isEqual: true }],
    startsAt,
    endsAt: '2099-01-01T00:00:00.000Z',
    createdBy: 'alice',
    comment: 'maintenance',
    status: { state },
    origins: ['prod'],
    updatedAt: startsAt,
  };
}

function event(type: string, data: unknown, topic = 'silences'): LiveEvent {
  return stamp([{ topic, type, data, labels: { silence_id: 'x' } }])[0]!;
}

const ids = (reducer: SilencesReducer) => reducer.snapshot(() => true).silences.map((s) => s.id);

describe('SilencesReducer', () => {
  it('owns the silences topic and starts empty', () => {
    const reducer = new SilencesReducer();
    expect(reducer.topic).toBe('silences');
    expect(reducer.snapshot(() => true)).toEqual({ silences: [] });
  });

  it('adds created silences, replaces updated ones and removes expired ones', () => {
    const reducer = new SilencesReducer();
    const s1 = silence('s1', '2026-01-01T00:00:00.000Z');
    const s2 = silence('s2', '2026-01-02T00:00:00.000Z', 'pending');
    reducer.apply(event('silence_created', s1));
    reducer.apply(event('silence_created', s2));
    expect(ids(reducer)).toEqual(['s1', 's2']);
    const s1b: Silence = { ...s1, comment: 'extended', endsAt: '2100-01-01T00:00:00.000Z' };
    reducer.apply(event('silence_updated', s1b));
    expect(reducer.snapshot(() => true).silences[0]).toEqual(s1b);
    reducer.apply(event('silence_expired', { ...s1b, status: { state: 'expired' } }));
    expect(ids(reducer)).toEqual(['s2']);
    expect(reducer.size).toBe(1);
  });

  it('removes a silence on silence_expired even when its data is only an id', () => {
    const reducer = new SilencesReducer();
    reducer.apply(event('silence_created', silence('s1', '2026-01-01T00:00:00.000Z')));
    reducer.apply(event('silence_expired', { id: 's1' }));
    expect(ids(reducer)).toEqual([]);
  });

  it('sorts by startsAt, then id', () => {
    const reducer = new SilencesReducer();
    for (const s of [
      silence('c', '2026-01-02T00:00:00.000Z'),
      silence('b', '2026-01-01T00:00:00.000Z'),
      silence('a', '2026-01-02T00:00:00.000Z'),
    ]) {
      reducer.apply(event('silence_created', s));
    }
    expect(ids(reducer)).toEqual(['b', 'a', 'c']);
  });

  it('gives every subscriber all silences, whatever its label matchers', () => {
    const reducer = new SilencesReducer();
    reducer.apply(event('silence_created', silence('s1', '2026-01-01T00:00:00.000Z')));
    expect(reducer.snapshot(() => false).silences).toHaveLength(1);
  });

  it.each([
    ['another topic', event('silence_created', silence('s1', '2026-01-01T00:00:00.000Z'), 'alerts')],
    ['malformed data', event('silence_created', { id: 's1' })],
    [
      'matchers that are not matchers',
      event('silence_created', { ...silence('s1', '2026-01-01T00:00:00.000Z'), matchers: [1] }),
    ],
    [
      'an unknown state',
      event('silence_created', { ...silence('s1', '2026-01-01T00:00:00.000Z'), status: { state: 'x' } }),
    ],
    ['an expired event without id', event('silence_expired', null)],
  ])('ignores %s without throwing', (_name, e) => {
    const reducer = new SilencesReducer();
    expect(() => reducer.apply(e)).not.toThrow();
    expect(reducer.size).toBe(0);
  });
});
