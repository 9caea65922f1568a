import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../../src/core/event.js';
import type { LiveAlert } from '../../../src/sources/alerts/alert-model.js';
import { AlertStore } from '../../../src/sources/alerts/alert-store.js';
import { AlertsReducer, compareAlerts } from '../../../src/sources/alerts/alerts-reducer.js';
import { fingerprint } from '../../../src/sources/alerts/fingerprint.js';
import { stamp } from './stamp.js';

const T0 = Date.UTC(2026, 10, 23, 7, 0, 0);
const MINUTE = 60_000;
const all = () => true;

function liveAlert(
  labels: Record<string, string>,
  startsAt = T0,
  state: LiveAlert['status']['state'] = 'active',
): LiveAlert {
  return {
    fingerprint: fingerprint(labels),
    labels,
    annotations: {},
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(startsAt + 5 * MINUTE).toISOString(),
    generatorURL: '',
    status: { state, silencedBy: [], inhibitedBy: [] },
    origins: ['ingest'],
    updatedAt: new Date(startsAt).toISOString(),
  };
}

function event(type: string, data: unknown, topic = 'alerts'): LiveEvent {
  return stamp([{ topic, type, data }])[0]!;
}

function names(reducer: AlertsReducer, include: (labels: Record<string, string>) => boolean = all): string[] {
  return reducer.snapshot(include).alerts.map((a) => a.labels['alertname'] ?? '');
}

describe('AlertsReducer', () => {
  it('owns the alerts topic and starts empty', () => {
    const reducer = new AlertsReducer();
    expect(reducer.topic).toBe('alerts');
    expect(reducer.snapshot(all)).toEqual({ alerts: [] });
  });

  it('rebuilds the firing set from the events an AlertStore publishes', () => {
    const store = new AlertStore({ source: 'ingest' });
    const reducer = new AlertsReducer();
    const feed = (drafts: ReturnType<AlertStore['ingest']>) => stamp(drafts).forEach((e) => reducer.apply(e));
    const a = { labels: { alertname: 'A' }, annotations: {}, generatorURL: '' };
    const b = { labels: { alertname: 'B' }, annotations: {}, generatorURL: '' };
    feed(store.ingest([a, b], T0));
    expect(names(reducer).sort()).toEqual(['A', 'B']);
    feed(store.ingest([{ ...a, endsAt: T0 }], T0 + MINUTE));
    expect(names(reducer)).toEqual(['B']);
    feed(store.tick(T0 + 10 * MINUTE));
    expect(names(reducer)).toEqual([]);
    feed(store.ingest([a], T0 + 11 * MINUTE));
    expect(reducer.snapshot(all).alerts).toEqual([store.get(fingerprint(a.labels))]);
  });

  it('replaces an alert with the data of the latest event about it', () => {
    const reducer = new AlertsReducer();
    const first = liveAlert({ alertname: 'A' });
    const silenced: LiveAlert = { ...first, status: { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] } };
    reducer.apply(event('alert_created', first));
    reducer.apply(event('alert_silenced', silenced));
    expect(reducer.snapshot(all).alerts).toEqual([silenced]);
    expect(reducer.size).toBe(1);
  });

  it('treats unknown alert_* event types carrying an alert as updates', () => {
    const reducer = new AlertsReducer();
    reducer.apply(event('alert_updated', liveAlert({ alertname: 'A' })));
    expect(names(reducer)).toEqual(['A']);
  });

  it('removes an alert on alert_resolved even when its data is only a fingerprint', () => {
    const reducer = new AlertsReducer();
    const a = liveAlert({ alertname: 'A' });
    reducer.apply(event('alert_firing', a));
    reducer.apply(event('alert_resolved', { fingerprint: a.fingerprint }));
    expect(reducer.size).toBe(0);
  });

  it('removes an alert when any event says it is resolved', () => {
    const reducer = new AlertsReducer();
    const a = liveAlert({ alertname: 'A' });
    reducer.apply(event('alert_firing', a));
    reducer.apply(event('alert_whatever', { ...a, status: { ...a.status, state: 'resolved' } }));
    expect(reducer.size).toBe(0);
  });

  it.each([
    ['an event of another topic', event('alert_firing', liveAlert({ alertname: 'A' }), 'health')],
    ['a non-alert event type', event('snapshot', liveAlert({ alertname: 'A' }))],
    ['null data', event('alert_firing', null)],
    ['a string', event('alert_firing', 'boom')],
    ['an alert without status', event('alert_firing', { ...liveAlert({ alertname: 'A' }), status: undefined })],
    ['non-string label values', event('alert_firing', { ...liveAlert({ alertname: 'A' }), labels: { alertname: 1 } })],
    ['a resolved event without fingerprint', event('alert_resolved', { labels: {} })],
  ])('ignores %s without throwing', (_name, e) => {
    const reducer = new AlertsReducer();
    expect(() => reducer.apply(e)).not.toThrow();
    expect(reducer.size).toBe(0);
  });

  it('sorts by severity critical, warning, info, other, then oldest first, then fingerprint', () => {
    const reducer = new AlertsReducer();
    const alerts = [
      liveAlert({ alertname: 'NoSeverity' }, T0 - 60 * MINUTE),
      liveAlert({ alertname: 'InfoNew', severity: 'info' }, T0),
      liveAlert({ alertname: 'CritNew', severity: 'critical' }, T0),
      liveAlert({ alertname: 'Warn', severity: 'warning' }, T0),
      liveAlert({ alertname: 'CritOld', severity: 'CRITICAL' }, T0 - MINUTE),
      liveAlert({ alertname: 'Page', severity: 'page' }, T0 - 120 * MINUTE),
      liveAlert({ alertname: 'Proto', severity: 'constructor' }, T0 - 180 * MINUTE),
    ];
    for (const a of alerts) reducer.apply(event('alert_firing', a));
    expect(names(reducer)).toEqual(['CritOld', 'CritNew', 'Warn', 'InfoNew', 'Proto', 'Page', 'NoSeverity']);
  });

  it('orders alerts with equal severity and start by fingerprint, whatever the arrival order', () => {
    const a = liveAlert({ alertname: 'X', i: '1' });
    const b = liveAlert({ alertname: 'X', i: '2' });
    const r1 = new AlertsReducer();
    const r2 = new AlertsReducer();
    [a, b].forEach((x) => r1.apply(event('alert_firing', x)));
    [b, a].forEach((x) => r2.apply(event('alert_firing', x)));
    expect(r1.snapshot(all)).toEqual(r2.snapshot(all));
    expect(Math.sign(compareAlerts(a, b))).toBe(a.fingerprint < b.fingerprint ? -1 : 1);
  });

  it('leaves out alerts the subscriber’s matchers reject', () => {
    const reducer = new AlertsReducer();
    reducer.apply(event('alert_firing', liveAlert({ alertname: 'A', severity: 'critical' })));
    reducer.apply(event('alert_firing', liveAlert({ alertname: 'B', severity: 'warning' })));
    const seen: Record<string, string>[] = [];
    const onlyCritical = (labels: Record<string, string>) => {
      seen.push(labels);
      return labels['severity'] === 'critical';
    };
    expect(names(reducer, onlyCritical)).toEqual(['A']);
    expect(seen).toHaveLength(2);
    expect(names(reducer, () => false)).toEqual([]);
  });

  it('returns a fresh array each time, so a caller cannot corrupt the next snapshot', () => {
    const reducer = new AlertsReducer();
    reducer.apply(event('alert_firing', liveAlert({ alertname: 'A' })));
    reducer.snapshot(all).alerts.length = 0;
    expect(names(reducer)).toEqual(['A']);
  });

  it('reflects changes made after an earlier snapshot', () => {
    const reducer = new AlertsReducer();
    reducer.apply(event('alert_firing', liveAlert({ alertname: 'A' })));
    expect(names(reducer)).toEqual(['A']);
    reducer.apply(event('alert_firing', liveAlert({ alertname: 'B', severity: 'critical' })));
    expect(names(reducer)).toEqual(['B', 'A']);
  });
});

describe('AlertsReducer snapshot filtering', () => {
  it('matches on the labels the alert’s live events carry', () => {
    const reducer = new AlertsReducer();
    const labels = { alertname: 'A', 'service.name': 'api' };
    reducer.apply(event('alert_firing', { ...liveAlert({ alertname: 'A' }), labels }));
    const seen: Record<string, string>[] = [];
    reducer.snapshot((l) => {
      seen.push(l);
      return true;
    });
    expect(seen).toEqual([{ alertname: 'A' }]);
    expect(reducer.snapshot(all).alerts[0]?.labels).toEqual(labels);
  });
});
