import { describe, expect, it } from 'vitest';
import { ConsoleCatalog } from '../../../../src/sources/console/catalog.js';
import type { ConsoleGroup, ConsoleTopic } from '../../../../src/sources/console/model.js';

const topic = (name: string, over: Partial<ConsoleTopic> = {}): ConsoleTopic => ({
  name,
  subjects: [`${name}.>`],
  messages: 0,
  bytes: 0,
  firstSeq: 0,
  lastSeq: 0,
  consumers: 0,
  retention: 'limits',
  maxAgeSeconds: null,
  ...over,
});
const group = (t: string, name: string, over: Partial<ConsoleGroup> = {}): ConsoleGroup => ({
  topic: t,
  name,
  lag: 0,
  ackPending: 0,
  redelivered: 0,
  waiting: 0,
  lastActive: null,
  ...over,
});

function catalog(updateIntervalMs = 1000): ConsoleCatalog {
  return new ConsoleCatalog({ cluster: 'c1', updateIntervalMs });
}

describe('ConsoleCatalog', () => {
  it('turns a listing into topic_created, then topic_updated on change, then topic_deleted when missing', () => {
    const c = catalog();
    const created = c.reconcileTopics([topic('a')], true, c.stamp(), 0);
    expect(created).toEqual([
      {
        topic: 'console',
        type: 'topic_created',
        source: 'console/c1',
        labels: { cluster: 'c1', topic: 'a' },
        data: topic('a'),
      },
    ]);
    expect(c.reconcileTopics([topic('a')], true, c.stamp(), 10)).toEqual([]);
    expect(
      c.reconcileTopics([topic('a', { messages: 5, lastSeq: 5 })], true, c.stamp(), 2000).map((d) => d.type),
    ).toEqual(['topic_updated']);
    expect(c.reconcileTopics([], true, c.stamp(), 3000).map((d) => d.type)).toEqual(['topic_deleted']);
    expect(c.topics()).toEqual([]);
  });

  it('never deletes from a listing the budget cut short', () => {
    const c = catalog();
    c.reconcileTopics([topic('a'), topic('b')], true, c.stamp(), 0);
    expect(c.reconcileTopics([topic('a')], false, c.stamp(), 10)).toEqual([]);
    expect(c.topics().map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('holds back a second update within the interval and sends the latest value after it', () => {
    const c = catalog(1000);
    c.reconcileTopics([topic('a')], true, c.stamp(), 0);
    expect(c.reconcileTopics([topic('a', { lastSeq: 1, messages: 1 })], true, c.stamp(), 1000)).toHaveLength(1);
    expect(c.reconcileTopics([topic('a', { lastSeq: 2, messages: 2 })], true, c.stamp(), 1500)).toEqual([]);
    const later = c.reconcileTopics([topic('a', { lastSeq: 3, messages: 3 })], true, c.stamp(), 2000);
    expect(later.map((d) => (d.data as ConsoleTopic).lastSeq)).toEqual([3]);
  });

  it('sends group_updated only when lag or ack-pending changes, at most once per interval', () => {
    const c = catalog(1000);
    c.reconcileTopics([topic('t', { consumers: 1 })], true, c.stamp(), 0);
    expect(c.reconcileGroups('t', [group('t', 'g')], c.stamp(), 0).map((d) => d.type)).toEqual(['group_created']);
    expect(c.reconcileGroups('t', [group('t', 'g', { waiting: 3, redelivered: 1 })], c.stamp(), 5000)).toEqual([]);
    expect(c.reconcileGroups('t', [group('t', 'g', { lag: 4 })], c.stamp(), 5000).map((d) => d.type)).toEqual([
      'group_updated',
    ]);
    expect(c.reconcileGroups('t', [group('t', 'g', { lag: 9 })], c.stamp(), 5500)).toEqual([]);
    expect(c.reconcileGroups('t', [group('t', 'g', { ackPending: 2, lag: 9 })], c.stamp(), 6000)).toHaveLength(1);
    expect(c.groups('t')).toEqual([group('t', 'g', { ackPending: 2, lag: 9 })]);
  });

  it('deletes a topic with group_deleted for each group first', () => {
    const c = catalog();
    c.reconcileTopics([topic('t', { consumers: 2 })], true, c.stamp(), 0);
    c.reconcileGroups('t', [group('t', 'a'), group('t', 'b')], c.stamp(), 0);
    const drafts = c.refreshTopic('t', null, c.stamp(), 10);
    expect(drafts.map((d) => [d.type, d.labels])).toEqual([
      ['group_deleted', { cluster: 'c1', topic: 't', group: 'a' }],
      ['group_deleted', { cluster: 'c1', topic: 't', group: 'b' }],
      ['topic_deleted', { cluster: 'c1', topic: 't' }],
    ]);
    expect(c.groupCount).toBe(0);
  });

  it('ignores a listing older than a reading already applied to the same topic', () => {
    const c = catalog();
    const staleListing = c.stamp();
    const apiCreate = c.stamp();
    expect(c.refreshTopic('new', topic('new'), apiCreate, 0)).toHaveLength(1);
    // The listing began before the create and does not contain the topic: it must not delete it.
    expect(c.reconcileTopics([], true, staleListing, 5)).toEqual([]);
    expect(c.topic('new')).toBeDefined();
    const apiDelete = c.stamp();
    const stale2 = apiDelete - 1;
    c.refreshTopic('new', null, apiDelete, 10);
    expect(c.reconcileTopics([topic('new')], true, stale2, 20)).toEqual([]);
  });

  it('ignores groups of a topic it has not published, and resumes from a seeded state', () => {
    const c = catalog();
    expect(c.reconcileGroups('unknown', [group('unknown', 'g')], c.stamp(), 0)).toEqual([]);
    c.seed([topic('old')], [group('old', 'g')]);
    expect(c.reconcileTopics([], true, c.stamp(), 0).map((d) => d.type)).toEqual(['group_deleted', 'topic_deleted']);
  });
});
