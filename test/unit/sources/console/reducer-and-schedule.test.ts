import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../../../src/core/event.js';
import { ConsoleReducer } from '../../../../src/sources/console/console-reducer.js';
import { GroupSchedule } from '../../../../src/sources/console/group-schedule.js';

let seq = 0;
function event(type: string, data: unknown, labels: Record<string, string> = { cluster: 'c1' }): LiveEvent {
  seq += 1;
  return {
    id: String(seq),
    seq,
    topic: 'console',
    type,
    source: 'console/c1',
    labels,
    data,
    time: new Date().toISOString(),
  };
}
const topic = (name: string) => ({
  name,
  subjects: [`${name}.>`],
  messages: 0,
  bytes: 0,
  firstSeq: 0,
  lastSeq: 0,
  consumers: 0,
  retention: 'limits',
  maxAgeSeconds: null,
});
const group = (t: string, name: string, lag = 0) => ({
  topic: t,
  name,
  lag,
  ackPending: 0,
  redelivered: 0,
  waiting: 0,
  lastActive: null,
});

describe('ConsoleReducer', () => {
  it('builds {cluster, topics, groups} from the events and filters by the subscriber’s matchers', () => {
    const r = new ConsoleReducer();
    r.apply(event('topic_created', topic('b')));
    r.apply(event('topic_created', topic('a')));
    r.apply(event('group_created', group('b', 'g1')));
    r.apply(event('group_updated', group('b', 'g1', 7)));
    r.apply(event('metrics_updated', { round: 1, part: 1, parts: 1, cluster: { name: 'c1', connected: true } }));
    r.apply(event('metrics_updated', { round: 1, part: 2, parts: 2, cluster: null }));
    r.apply(event('unknown_type', { name: 'x' }));
    r.apply(event('topic_created', 'not an object'));
    expect(r.snapshot(() => true)).toEqual({
      cluster: { name: 'c1', connected: true },
      topics: [topic('a'), topic('b')],
      groups: [group('b', 'g1', 7)],
    });
    expect(r.snapshot((labels) => labels['topic'] === 'a')).toEqual({
      cluster: { name: 'c1', connected: true },
      topics: [topic('a')],
      groups: [],
    });
  });

  it('drops a deleted topic together with its groups', () => {
    const r = new ConsoleReducer();
    r.apply(event('topic_created', topic('t')));
    r.apply(event('group_created', group('t', 'g')));
    r.apply(event('topic_deleted', topic('t')));
    expect(r.state()).toEqual({ cluster: null, topics: [], groups: [] });
  });
});

describe('GroupSchedule', () => {
  it('visits hinted topics first, then continues the sweep where the last round stopped', () => {
    const s = new GroupSchedule();
    expect(s.order(['c', 'a', 'b'], 0)).toEqual(['a', 'b', 'c']);
    s.visited('a', 10);
    s.hint('c');
    expect(s.order(['a', 'b', 'c'], 20)).toEqual(['c', 'b']);
    s.visited('c', 30);
    s.visited('b', 40);
    expect(s.sweepsCompleted).toBe(1);
    expect(s.lastSweepMs).toBe(40);
    expect(s.order(['a', 'b'], 50)).toEqual(['a', 'b']);
    expect(s.order([], 60)).toEqual([]);
  });
});
