import { describe, expect, it } from 'vitest';
import {
  alertsReducer,
  consoleReducer,
  healthReducer,
  silencesReducer,
  snapshotOnlyReducer,
  statsReducer,
} from '../src/state-reducers.js';
import type { Alert, Silence } from '../src/types.js';
import { ev } from './support/events.js';

function alert(
  fingerprint: string,
  init: { severity?: string; startsAt?: string; state?: Alert['status']['state'] } = {},
): Alert {
  return {
    fingerprint,
    labels: { alertname: fingerprint, ...(init.severity === undefined ? {} : { severity: init.severity }) },
    annotations: {},
    startsAt: init.startsAt ?? '2026-01-01T00:00:00.000Z',
    endsAt: '2026-01-02T00:00:00.000Z',
    generatorURL: '',
    status: { state: init.state ?? 'active', silencedBy: [], inhibitedBy: [] },
    origins: ['am'],
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

function silence(
  id: string,
  startsAt = '2026-01-01T00:00:00.000Z',
  state: Silence['status']['state'] = 'active',
): Silence {
  return {
    id,
    matchers: [],
    startsAt,
    endsAt: '2026-01-02T00:00:00.000Z',
    createdBy: 'me',
    comment: '',
    status: { state },
    origins: [],
    updatedAt: startsAt,
  };
}

const alertEvent = (seq: number, type: string, data: unknown) => ev(seq, { topic: 'alerts', type, data });

describe('alertsReducer', () => {
  it('builds the state from a snapshot, ordered by severity, then start, then fingerprint', () => {
    const state = alertsReducer.fromSnapshot({
      alerts: [
        alert('c', { severity: 'info' }),
        alert('b', { severity: 'critical', startsAt: '2026-01-01T00:00:05Z' }),
        alert('a', { severity: 'critical' }),
        { junk: true },
      ],
    });
    expect(state.alerts.map((a) => a.fingerprint)).toEqual(['a', 'b', 'c']);
  });

  it('treats a malformed snapshot as empty', () => {
    expect(alertsReducer.fromSnapshot(null)).toEqual({ alerts: [] });
    expect(alertsReducer.fromSnapshot({ alerts: 'x' })).toEqual({ alerts: [] });
  });

  it('inserts a firing alert in order and replaces one with the same fingerprint', () => {
    let s = alertsReducer.fromSnapshot({ alerts: [alert('a', { severity: 'warning' })] });
    s = alertsReducer.apply(s, alertEvent(1, 'alert_firing', alert('b', { severity: 'critical' })));
    expect(s.alerts.map((a) => a.fingerprint)).toEqual(['b', 'a']);
    s = alertsReducer.apply(
      s,
      alertEvent(2, 'alert_silenced', alert('a', { severity: 'critical', state: 'suppressed' })),
    );
    expect(s.alerts.map((a) => [a.fingerprint, a.status.state])).toEqual([
      ['a', 'suppressed'],
      ['b', 'active'],
    ]);
  });

  it('removes an alert on alert_resolved, or on any alert event that says resolved', () => {
    let s = alertsReducer.fromSnapshot({ alerts: [alert('a'), alert('b'), alert('c')] });
    s = alertsReducer.apply(s, alertEvent(1, 'alert_resolved', { fingerprint: 'a' }));
    s = alertsReducer.apply(s, alertEvent(2, 'alert_updated', alert('b', { state: 'resolved' })));
    expect(s.alerts.map((a) => a.fingerprint)).toEqual(['c']);
  });

  it('returns the very same state object when an event changes nothing', () => {
    const s = alertsReducer.fromSnapshot({ alerts: [alert('a')] });
    expect(alertsReducer.apply(s, alertEvent(1, 'alert_resolved', { fingerprint: 'zzz' }))).toBe(s);
    expect(alertsReducer.apply(s, alertEvent(2, 'something_else', alert('q')))).toBe(s);
    expect(alertsReducer.apply(s, alertEvent(3, 'alert_firing', { no: 'fingerprint' }))).toBe(s);
  });

  it('never mutates the previous state', () => {
    const s = alertsReducer.fromSnapshot({ alerts: [alert('a')] });
    const before = [...s.alerts];
    alertsReducer.apply(s, alertEvent(1, 'alert_firing', alert('b')));
    expect(s.alerts).toEqual(before);
  });
});

describe('silencesReducer', () => {
  it('keys silences by id, orders them by start, and removes expired ones', () => {
    let s = silencesReducer.fromSnapshot({
      silences: [silence('s2', '2026-01-01T00:00:02Z'), silence('s1', '2026-01-01T00:00:01Z')],
    });
    expect(s.silences.map((x) => x.id)).toEqual(['s1', 's2']);
    s = silencesReducer.apply(
      s,
      ev(1, { topic: 'silences', type: 'silence_created', data: silence('s0', '2026-01-01T00:00:00Z') }),
    );
    s = silencesReducer.apply(s, ev(2, { topic: 'silences', type: 'silence_expired', data: { id: 's1' } }));
    s = silencesReducer.apply(
      s,
      ev(3, { topic: 'silences', type: 'silence_updated', data: silence('s2', '2026-01-01T00:00:02Z', 'expired') }),
    );
    expect(s.silences.map((x) => x.id)).toEqual(['s0']);
  });
});

describe('healthReducer', () => {
  const change = (component: string, status: string, since = '2026-01-01T00:00:00Z') =>
    ev(1, { topic: 'health', type: 'health_changed', data: { component, status, since } });

  it('keeps the latest status of each component, sorted by name', () => {
    let s = healthReducer.fromSnapshot({ components: { bus: { component: 'bus', status: 'healthy', since: 't0' } } });
    s = healthReducer.apply(s, change('alertmanager/prod', 'degraded'));
    s = healthReducer.apply(s, change('bus', 'unhealthy'));
    expect(Object.keys(s.components)).toEqual(['alertmanager/prod', 'bus']);
    expect(s.components.bus?.status).toBe('unhealthy');
  });

  it('ignores repeats and malformed changes', () => {
    const s = healthReducer.apply(healthReducer.fromSnapshot({ components: {} }), change('bus', 'healthy'));
    expect(healthReducer.apply(s, change('bus', 'healthy'))).toBe(s);
    expect(healthReducer.apply(s, ev(2, { topic: 'health', type: 'health_changed', data: { status: 'x' } }))).toBe(s);
  });
});

describe('statsReducer and snapshotOnlyReducer', () => {
  it('unwraps the server snapshot shape {stats} (null before the first update)', () => {
    expect(statsReducer.fromSnapshot({ stats: { connections: 3 } })).toEqual({ connections: 3 });
    expect(statsReducer.fromSnapshot({ stats: null })).toEqual({});
  });

  it('replaces stats on stats_updated only', () => {
    const s = statsReducer.fromSnapshot({ connections: 1 });
    const next = statsReducer.apply(s, ev(1, { topic: 'stats', type: 'stats_updated', data: { connections: 2 } }));
    expect(next).toEqual({ connections: 2 });
    expect(statsReducer.apply(next, ev(2, { topic: 'stats', type: 'other', data: {} }))).toBe(next);
  });

  it('uses the snapshot as the state for unknown state topics', () => {
    const s = snapshotOnlyReducer.fromSnapshot({ lines: ['x'] });
    expect(s).toEqual({ lines: ['x'] });
    expect(snapshotOnlyReducer.apply(s, ev(1))).toBe(s);
  });
});

describe('consoleReducer', () => {
  const topic = (name: string, messages = 0) => ({
    name,
    subjects: [`${name}.>`],
    messages,
    bytes: messages * 10,
    firstSeq: 0,
    lastSeq: messages,
    consumers: 1,
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

  it('rebuilds topics and groups from the snapshot and deltas, in name order, like the server', () => {
    let state = consoleReducer.fromSnapshot({ cluster: null, topics: [topic('b')], groups: [group('b', 'g')] });
    state = consoleReducer.apply(state, ev(1, { topic: 'console', type: 'topic_created', data: topic('a') }));
    state = consoleReducer.apply(state, ev(2, { topic: 'console', type: 'group_created', data: group('a', 'x') }));
    state = consoleReducer.apply(state, ev(3, { topic: 'console', type: 'group_updated', data: group('a', 'x', 7) }));
    expect(state.topics.map((t) => t.name)).toEqual(['a', 'b']);
    expect(state.groups.map((g) => [g.topic, g.name, g.lag])).toEqual([
      ['a', 'x', 7],
      ['b', 'g', 0],
    ]);
    state = consoleReducer.apply(state, ev(4, { topic: 'console', type: 'topic_deleted', data: topic('b') }));
    expect(state.topics.map((t) => t.name)).toEqual(['a']);
    expect(state.groups.map((g) => g.topic)).toEqual(['a']);
    const cluster = { name: 'c', connected: true };
    state = consoleReducer.apply(
      state,
      ev(5, { topic: 'console', type: 'metrics_updated', data: { part: 1, cluster } }),
    );
    expect(state.cluster).toEqual(cluster);
  });

  it('returns the same state for events that change nothing', () => {
    const state = consoleReducer.fromSnapshot({ topics: [], groups: [] });
    expect(consoleReducer.apply(state, ev(1, { topic: 'console', type: 'group_deleted', data: group('a', 'x') }))).toBe(
      state,
    );
    expect(consoleReducer.apply(state, ev(2, { topic: 'console', type: 'topic_created', data: 'junk' }))).toBe(state);
    expect(
      consoleReducer.apply(
        state,
        ev(3, { topic: 'console', type: 'metrics_updated', data: { part: 2, cluster: null } }),
      ),
    ).toBe(state);
  });
});
