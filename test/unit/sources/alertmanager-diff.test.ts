import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LiveAlert, Silence } from '../../../src/sources/alerts/alert-model.js';
import { AlertsReducer } from '../../../src/sources/alerts/alerts-reducer.js';
import { SilencesReducer } from '../../../src/sources/alerts/silences-reducer.js';
import {
  parseGettableAlerts,
  parseGettableSilences,
  type AmAlert,
  type AmSilence,
} from '../../../src/sources/alertmanager/api-types.js';
import {
  MultiOriginAlerts,
  MultiOriginSilences,
  diffAlerts,
  diffSilences,
  toSilence,
} from '../../../src/sources/alertmanager/diff.js';
import { stamp, types } from './stamp.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function amAlert(
  name: string,
  overrides: Partial<Omit<AmAlert, 'status'>> & { status?: Partial<AmAlert['status']> } = {},
): AmAlert {
  const { status, ...rest } = overrides;
  return {
    fingerprint: `fp-${name}`,
    labels: { alertname: name, severity: 'critical' },
    annotations: {},
    startsAt: iso(NOW - 10 * MINUTE),
    endsAt: iso(NOW + 4 * MINUTE),
    updatedAt: iso(NOW - MINUTE),
    generatorURL: '',
    receivers: ['web'],
    ...rest,
    status: { state: 'active', silencedBy: [], inhibitedBy: [], ...status },
  };
}

const silenced = (name: string, ids = ['s1'], o: Partial<Omit<AmAlert, 'status'>> = {}) =>
  amAlert(name, { ...o, status: { state: 'suppressed', silencedBy: ids } });
const inhibited = (name: string, fps = ['fp-Root'], o: Partial<Omit<AmAlert, 'status'>> = {}) =>
  amAlert(name, { ...o, status: { state: 'suppressed', inhibitedBy: fps } });
const unprocessed = (name: string) => amAlert(name, { status: { state: 'unprocessed' } });

const view = (...alerts: AmAlert[]) => new Map(alerts.map((a) => [a.fingerprint, a]));
const dataOf = (drafts: { data?: unknown }[], i = 0) => drafts[i]!.data as LiveAlert;

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('diffAlerts (one Alertmanager)', () => {
  it('publishes alert_created and alert_firing for a new active alert', () => {
    const drafts = diffAlerts(view(), view(amAlert('A')), 'prod', NOW);
    expect(types(drafts)).toEqual(['alert_created', 'alert_firing']);
    for (const d of drafts) {
      expect(d).toMatchObject({
        topic: 'alerts',
        source: 'alertmanager/prod',
        labels: { alertname: 'A', severity: 'critical' },
        time: iso(NOW),
      });
    }
    expect(dataOf(drafts)).toEqual({
      fingerprint: 'fp-A',
      labels: { alertname: 'A', severity: 'critical' },
      annotations: {},
      startsAt: iso(NOW - 10 * MINUTE),
      endsAt: iso(NOW + 4 * MINUTE),
      generatorURL: '',
      status: { state: 'active', silencedBy: [], inhibitedBy: [] },
      origins: ['prod'],
      updatedAt: iso(NOW - MINUTE),
    });
  });

  it('publishes alert_created and alert_silenced, not alert_firing, for a new silenced alert', () => {
    const drafts = diffAlerts(view(), view(silenced('A')), 'prod', NOW);
    expect(types(drafts)).toEqual(['alert_created', 'alert_silenced']);
    expect(dataOf(drafts, 1).status).toEqual({ state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] });
  });

  it('publishes alert_created and alert_inhibited for a new inhibited alert', () => {
    expect(types(diffAlerts(view(), view(inhibited('A')), 'prod', NOW))).toEqual(['alert_created', 'alert_inhibited']);
  });

  it('publishes only alert_created for a new unprocessed alert, and alert_firing once it is active', () => {
    expect(types(diffAlerts(view(), view(unprocessed('A')), 'prod', NOW))).toEqual(['alert_created']);
    expect(types(diffAlerts(view(unprocessed('A')), view(amAlert('A')), 'prod', NOW))).toEqual(['alert_firing']);
  });

  it('publishes alert_silenced when an active alert gets silenced', () => {
    const drafts = diffAlerts(view(amAlert('A')), view(silenced('A', ['s9'])), 'prod', NOW);
    expect(types(drafts)).toEqual(['alert_silenced']);
    expect(dataOf(drafts).status.silencedBy).toEqual(['s9']);
  });

  it('publishes alert_inhibited when an active alert gets inhibited', () => {
    expect(types(diffAlerts(view(amAlert('A')), view(inhibited('A')), 'prod', NOW))).toEqual(['alert_inhibited']);
  });

  it('publishes alert_inhibited when a silenced alert also gets inhibited', () => {
    const both = amAlert('A', { status: { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: ['fp-Root'] } });
    expect(types(diffAlerts(view(silenced('A')), view(both), 'prod', NOW))).toEqual(['alert_inhibited']);
  });

  it('publishes both alert_silenced and alert_inhibited when both happen in one round', () => {
    const both = amAlert('A', { status: { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: ['fp-Root'] } });
    expect(types(diffAlerts(view(amAlert('A')), view(both), 'prod', NOW))).toEqual([
      'alert_silenced',
      'alert_inhibited',
    ]);
  });

  it('publishes nothing when a silenced alert is covered by another silence', () => {
    expect(diffAlerts(view(silenced('A', ['s1'])), view(silenced('A', ['s2'])), 'prod', NOW)).toEqual([]);
  });

  it('publishes alert_unsuppressed when a silenced or inhibited alert becomes active again', () => {
    expect(types(diffAlerts(view(silenced('A')), view(amAlert('A')), 'prod', NOW))).toEqual(['alert_unsuppressed']);
    expect(types(diffAlerts(view(inhibited('A')), view(amAlert('A')), 'prod', NOW))).toEqual(['alert_unsuppressed']);
  });

  it('publishes alert_resolved when an alert disappears, with its last data marked resolved', () => {
    const drafts = diffAlerts(view(silenced('A')), view(), 'prod', NOW);
    expect(types(drafts)).toEqual(['alert_resolved']);
    expect(drafts[0]).toMatchObject({ source: 'alertmanager/prod', labels: { alertname: 'A', severity: 'critical' } });
    expect(dataOf(drafts)).toMatchObject({
      fingerprint: 'fp-A',
      endsAt: iso(NOW),
      status: { state: 'resolved', silencedBy: [], inhibitedBy: [] },
      origins: ['prod'],
    });
  });

  it('keeps an endsAt that already passed when resolving', () => {
    const drafts = diffAlerts(view(amAlert('A', { endsAt: iso(NOW - MINUTE) })), view(), 'prod', NOW);
    expect(dataOf(drafts).endsAt).toBe(iso(NOW - MINUTE));
  });

  it('publishes alert_resolved when a still-listed alert’s endsAt has passed', () => {
    const stale = amAlert('A', { endsAt: iso(NOW) });
    expect(types(diffAlerts(view(amAlert('A')), view(stale), 'prod', NOW))).toEqual(['alert_resolved']);
  });

  it('publishes nothing when nothing but annotations, endsAt or updatedAt changed', () => {
    const changed = amAlert('A', {
      annotations: { value: '99%' },
      endsAt: iso(NOW + 10 * MINUTE),
      updatedAt: iso(NOW),
    });
    expect(diffAlerts(view(amAlert('A')), view(changed), 'prod', NOW)).toEqual([]);
    expect(diffAlerts(view(amAlert('A'), silenced('B')), view(amAlert('A'), silenced('B')), 'prod', NOW)).toEqual([]);
  });

  it('does not replay events when a known alert passes through unprocessed', () => {
    expect(diffAlerts(view(amAlert('A')), view(unprocessed('A')), 'prod', NOW)).toEqual([]);
    expect(diffAlerts(view(silenced('A')), view(unprocessed('A')), 'prod', NOW)).toEqual([]);
  });

  it('puts resolutions first, then the other events, each in fingerprint order', () => {
    const drafts = diffAlerts(view(amAlert('Z'), amAlert('Y')), view(amAlert('C'), amAlert('B')), 'prod', NOW);
    expect(drafts.map((d) => `${d.type}:${dataOf([d]).fingerprint}`)).toEqual([
      'alert_resolved:fp-Y',
      'alert_resolved:fp-Z',
      'alert_created:fp-B',
      'alert_firing:fp-B',
      'alert_created:fp-C',
      'alert_firing:fp-C',
    ]);
  });

  it('keeps labels an Alertmanager in UTF-8 mode allows out of the event labels, but in the data', () => {
    const odd = amAlert('A', { labels: { alertname: 'A', 'service.name': 'api' } });
    const drafts = diffAlerts(view(), view(odd), 'prod', NOW);
    expect(drafts[0]?.labels).toEqual({ alertname: 'A' });
    expect(dataOf(drafts).labels).toEqual({ alertname: 'A', 'service.name': 'api' });
  });

  it('turns a recorded Alertmanager 0.25 answer into the expected first-round events', () => {
    const parsed = parseGettableAlerts(fixture('alertmanager-0.25-alerts.json'));
    if (!parsed.ok) throw new Error('fixture does not parse');
    const recordedAt = Date.parse('2026-11-23T08:38:00Z');
    const drafts = diffAlerts(view(), view(...parsed.value), 'lab', recordedAt);
    const byName = (name: string) => types(drafts.filter((d) => (d.data as LiveAlert).labels['alertname'] === name));
    expect(byName('DiskFull')).toEqual(['alert_created', 'alert_firing']);
    expect(byName('A')).toEqual(['alert_created', 'alert_silenced']);
    expect(byName('HighLoad')).toEqual(['alert_created', 'alert_inhibited']);
    expect(drafts.filter((d) => d.type === 'alert_created')).toHaveLength(7);
  });
});

describe('MultiOriginAlerts', () => {
  it('publishes one alert_created with both origins when two Alertmanagers report the same alert', () => {
    const multi = new MultiOriginAlerts();
    multi.setView('b', [amAlert('A')]);
    multi.setView('a', [amAlert('A')]);
    const drafts = multi.evaluate(NOW);
    expect(types(drafts)).toEqual(['alert_created', 'alert_firing']);
    expect(dataOf(drafts).origins).toEqual(['a', 'b']);
    expect(drafts[0]?.source).toBe('alertmanager/a');
    expect(multi.origins()).toEqual(['a', 'b']);
  });

  it('publishes nothing when the second Alertmanager reports an alert the first already did', () => {
    const multi = new MultiOriginAlerts();
    multi.update('a', [amAlert('A')], NOW);
    expect(multi.update('b', [amAlert('A')], NOW)).toEqual([]);
    expect(multi.current().get('fp-A')?.origins).toEqual(['a', 'b']);
  });

  it('does not resolve an alert that disappears from one Alertmanager only, and resolves it once gone from both', () => {
    const multi = new MultiOriginAlerts();
    multi.setView('a', [amAlert('A')]);
    multi.setView('b', [amAlert('A')]);
    multi.evaluate(NOW);
    expect(multi.update('a', [], NOW + MINUTE)).toEqual([]);
    expect(multi.current().get('fp-A')?.origins).toEqual(['b']);
    const drafts = multi.update('b', [], NOW + 2 * MINUTE);
    expect(types(drafts)).toEqual(['alert_resolved']);
    expect(drafts[0]?.source).toBe('alertmanager/b');
    expect(dataOf(drafts)).toMatchObject({ origins: ['b'], status: { state: 'resolved' } });
    expect(multi.current().size).toBe(0);
  });

  it('keeps an alert active while any Alertmanager has it active', () => {
    const multi = new MultiOriginAlerts();
    multi.setView('a', [amAlert('A')]);
    multi.setView('b', [silenced('A')]);
    multi.evaluate(NOW);
    expect(multi.current().get('fp-A')?.status).toEqual({ state: 'active', silencedBy: [], inhibitedBy: [] });
    const drafts = multi.update('a', [silenced('A', ['s2'])], NOW);
    expect(types(drafts)).toEqual(['alert_silenced']);
    expect(dataOf(drafts).status).toEqual({ state: 'suppressed', silencedBy: ['s2', 's1'], inhibitedBy: [] });
  });

  it('publishes alert_unsuppressed when one Alertmanager lifts the suppression', () => {
    const multi = new MultiOriginAlerts();
    multi.setView('a', [silenced('A')]);
    multi.setView('b', [inhibited('A')]);
    expect(types(multi.evaluate(NOW))).toEqual(['alert_created', 'alert_silenced', 'alert_inhibited']);
    expect(types(multi.update('b', [amAlert('A')], NOW))).toEqual(['alert_unsuppressed']);
  });

  it('merges times and takes annotations from the most recently updated copy', () => {
    const multi = new MultiOriginAlerts();
    multi.setView('a', [
      amAlert('A', {
        startsAt: iso(NOW - 20 * MINUTE),
        endsAt: iso(NOW + MINUTE),
        updatedAt: iso(NOW - 2 * MINUTE),
        annotations: { v: 'old' },
      }),
    ]);
    multi.setView('b', [
      amAlert('A', {
        startsAt: iso(NOW - 5 * MINUTE),
        endsAt: iso(NOW + 9 * MINUTE),
        updatedAt: iso(NOW - MINUTE),
        annotations: { v: 'new' },
      }),
    ]);
    multi.evaluate(NOW);
    expect(multi.current().get('fp-A')).toMatchObject({
      startsAt: iso(NOW - 20 * MINUTE),
      endsAt: iso(NOW + 9 * MINUTE),
      updatedAt: iso(NOW - MINUTE),
      annotations: { v: 'new' },
      origins: ['a', 'b'],
    });
  });

  it('keeps the last view of an Alertmanager that stopped answering until the alerts’ endsAt passes', () => {
    const multi = new MultiOriginAlerts();
    multi.update('a', [amAlert('A', { endsAt: iso(NOW + 4 * MINUTE) })], NOW);
    expect(multi.evaluate(NOW + 3 * MINUTE)).toEqual([]);
    expect(types(multi.evaluate(NOW + 4 * MINUTE))).toEqual(['alert_resolved']);
  });

  it('resolves the alerts only a removed Alertmanager reported', () => {
    const multi = new MultiOriginAlerts();
    multi.setView('a', [amAlert('A'), amAlert('Shared')]);
    multi.setView('b', [amAlert('Shared')]);
    multi.evaluate(NOW);
    expect(multi.removeOrigin('a')).toBe(true);
    expect(multi.removeOrigin('a')).toBe(false);
    const drafts = multi.evaluate(NOW);
    expect(drafts.map((d) => `${d.type}:${dataOf([d]).fingerprint}`)).toEqual(['alert_resolved:fp-A']);
  });

  it('publishes nothing when a known alert goes unprocessed and comes back in the same state', () => {
    const multi = new MultiOriginAlerts();
    multi.update('a', [amAlert('A'), silenced('B')], NOW);
    expect(multi.update('a', [unprocessed('A'), unprocessed('B')], NOW + 1000)).toEqual([]);
    expect(multi.current().get('fp-B')?.status).toEqual({ state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] });
    expect(multi.update('a', [amAlert('A'), silenced('B')], NOW + 2000)).toEqual([]);
  });

  it('publishes the change when a known alert comes back from unprocessed in another state', () => {
    const multi = new MultiOriginAlerts();
    multi.update('a', [amAlert('A')], NOW);
    multi.update('a', [unprocessed('A')], NOW + 1000);
    expect(types(multi.update('a', [silenced('A')], NOW + 2000))).toEqual(['alert_silenced']);
  });

  it('publishes nothing when evaluated again without change', () => {
    const multi = new MultiOriginAlerts();
    multi.update('a', [amAlert('A'), silenced('B')], NOW);
    expect(multi.evaluate(NOW + 1000)).toEqual([]);
  });

  it('publishes alert_created again for an alert that fires after it was resolved', () => {
    const multi = new MultiOriginAlerts();
    multi.update('a', [amAlert('A')], NOW);
    multi.update('a', [], NOW + MINUTE);
    expect(types(multi.update('a', [amAlert('A')], NOW + 2 * MINUTE))).toEqual(['alert_created', 'alert_firing']);
  });

  it('drives an AlertsReducer to the same set it holds', () => {
    const multi = new MultiOriginAlerts();
    const reducer = new AlertsReducer();
    const rounds: [string, AmAlert[]][] = [
      ['a', [amAlert('A'), silenced('B')]],
      ['b', [amAlert('B'), amAlert('C')]],
      ['a', [amAlert('C')]],
      ['b', [inhibited('C')]],
      ['a', []],
    ];
    rounds.forEach(([origin, alerts], i) => {
      for (const e of stamp(multi.update(origin, alerts, NOW + i * 1000))) reducer.apply(e);
      const fromEvents = reducer
        .snapshot(() => true)
        .alerts.map((a) => a.fingerprint)
        .sort();
      expect(fromEvents).toEqual([...multi.current().keys()].sort());
    });
  });
});

function amSilence(id: string, overrides: Partial<AmSilence> = {}): AmSilence {
  return {
    id,
    matchers: [{ name: 'alertname', value: 'A', isRegex: false, isEqual: true }],
    startsAt: iso(NOW - 60 * MINUTE),
    endsAt: iso(NOW + 60 * MINUTE),
    updatedAt: iso(NOW - 60 * MINUTE),
    createdBy: 'alice',
    comment: 'maintenance',
    status: { state: 'active' },
    ...overrides,
  };
}

const silences = (origin: string, ...items: AmSilence[]) =>
  new Map(items.map((s) => [s.id, toSilence(s, [origin], NOW)]));
const silenceOf = (drafts: { data?: unknown }[], i = 0) => drafts[i]!.data as Silence;

describe('diffSilences', () => {
  it('publishes silence_created for a new active or pending silence', () => {
    const drafts = diffSilences(
      silences('prod'),
      silences('prod', amSilence('s1'), amSilence('s2', { status: { state: 'pending' } })),
      NOW,
    );
    expect(types(drafts)).toEqual(['silence_created', 'silence_created']);
    expect(drafts[0]).toMatchObject({
      topic: 'silences',
      source: 'alertmanager/prod',
      labels: { silence_id: 's1', created_by: 'alice' },
      time: iso(NOW),
    });
    expect(silenceOf(drafts)).toEqual({
      id: 's1',
      matchers: [{ name: 'alertname', value: 'A', isRegex: false, isEqual: true }],
      startsAt: iso(NOW - 60 * MINUTE),
      endsAt: iso(NOW + 60 * MINUTE),
      createdBy: 'alice',
      comment: 'maintenance',
      status: { state: 'active' },
      origins: ['prod'],
      updatedAt: iso(NOW - 60 * MINUTE),
    });
  });

  it('publishes nothing for a silence that is already expired when first seen', () => {
    expect(
      diffSilences(silences('prod'), silences('prod', amSilence('s1', { status: { state: 'expired' } })), NOW),
    ).toEqual([]);
  });

  it('leaves created_by out of the labels when the author is empty', () => {
    const drafts = diffSilences(silences('prod'), silences('prod', amSilence('s1', { createdBy: '' })), NOW);
    expect(drafts[0]?.labels).toEqual({ silence_id: 's1' });
  });

  it.each([
    ['endsAt', { endsAt: iso(NOW + 120 * MINUTE) }],
    ['startsAt', { startsAt: iso(NOW - 30 * MINUTE) }],
    ['comment', { comment: 'longer maintenance' }],
    ['createdBy', { createdBy: 'bob' }],
    ['matchers', { matchers: [{ name: 'alertname', value: 'A|B', isRegex: true, isEqual: true }] }],
    ['a negated matcher', { matchers: [{ name: 'alertname', value: 'A', isRegex: false, isEqual: false }] }],
  ])('publishes silence_updated when %s changes', (_what, change) => {
    const drafts = diffSilences(silences('prod', amSilence('s1')), silences('prod', amSilence('s1', change)), NOW);
    expect(types(drafts)).toEqual(['silence_updated']);
    expect(silenceOf(drafts)).toMatchObject(change);
  });

  it('publishes silence_updated when a pending silence becomes active', () => {
    const pending = amSilence('s1', { status: { state: 'pending' } });
    expect(types(diffSilences(silences('prod', pending), silences('prod', amSilence('s1')), NOW))).toEqual([
      'silence_updated',
    ]);
  });

  it('publishes nothing when only updatedAt changes', () => {
    const touched = amSilence('s1', { updatedAt: iso(NOW) });
    expect(diffSilences(silences('prod', amSilence('s1')), silences('prod', touched), NOW)).toEqual([]);
  });

  it('publishes silence_expired when a silence expires', () => {
    const expired = amSilence('s1', { endsAt: iso(NOW - MINUTE), status: { state: 'expired' } });
    const drafts = diffSilences(silences('prod', amSilence('s1')), silences('prod', expired), NOW);
    expect(types(drafts)).toEqual(['silence_expired']);
    expect(silenceOf(drafts)).toMatchObject({ endsAt: iso(NOW - MINUTE), status: { state: 'expired' } });
  });

  it('publishes silence_expired when a silence vanishes, with endsAt at most now', () => {
    const drafts = diffSilences(silences('prod', amSilence('s1')), silences('prod'), NOW);
    expect(types(drafts)).toEqual(['silence_expired']);
    expect(silenceOf(drafts)).toMatchObject({ id: 's1', endsAt: iso(NOW), status: { state: 'expired' } });
  });

  it('publishes nothing when an expired silence is finally dropped by Alertmanager', () => {
    const expired = amSilence('s1', { status: { state: 'expired' } });
    expect(diffSilences(silences('prod', expired), silences('prod'), NOW)).toEqual([]);
  });

  it('treats a silence whose endsAt passed as expired even if a stale view says active', () => {
    expect(toSilence(amSilence('s1', { endsAt: iso(NOW) }), ['prod'], NOW).status.state).toBe('expired');
    expect(toSilence(amSilence('s1'), ['prod'], NOW).status.state).toBe('active');
  });

  it('turns a recorded Alertmanager 0.25 answer into silence_created for the active and pending silences only', () => {
    const parsed = parseGettableSilences(fixture('alertmanager-0.25-silences.json'));
    if (!parsed.ok) throw new Error('fixture does not parse');
    const multi = new MultiOriginSilences();
    const drafts = multi.update('lab', parsed.value, Date.parse('2026-11-23T08:38:00Z'));
    expect(types(drafts)).toEqual(['silence_created', 'silence_created']);
    expect(drafts.map((d) => silenceOf([d]).status.state).sort()).toEqual(['active', 'pending']);
  });
});

describe('MultiOriginSilences', () => {
  it('publishes one silence_created with both origins for a silence two clustered Alertmanagers share', () => {
    const multi = new MultiOriginSilences();
    multi.setView('b', [amSilence('s1')]);
    multi.setView('a', [amSilence('s1')]);
    const drafts = multi.evaluate(NOW);
    expect(types(drafts)).toEqual(['silence_created']);
    expect(silenceOf(drafts).origins).toEqual(['a', 'b']);
    expect(drafts[0]?.source).toBe('alertmanager/a');
  });

  it('takes the most recently updated copy of a shared silence', () => {
    const multi = new MultiOriginSilences();
    multi.setView('a', [amSilence('s1', { comment: 'new', updatedAt: iso(NOW) })]);
    multi.setView('b', [amSilence('s1')]);
    multi.evaluate(NOW);
    expect(multi.current().get('s1')?.comment).toBe('new');
  });

  it('expires a silence only when no Alertmanager has it any more', () => {
    const multi = new MultiOriginSilences();
    multi.setView('a', [amSilence('s1')]);
    multi.setView('b', [amSilence('s1')]);
    multi.evaluate(NOW);
    expect(multi.update('a', [], NOW)).toEqual([]);
    expect(types(multi.update('b', [], NOW))).toEqual(['silence_expired']);
  });

  it('expires the silences of a removed Alertmanager', () => {
    const multi = new MultiOriginSilences();
    multi.update('a', [amSilence('s1')], NOW);
    multi.removeOrigin('a');
    expect(types(multi.evaluate(NOW))).toEqual(['silence_expired']);
  });

  it('drives a SilencesReducer to the live silences it holds', () => {
    const multi = new MultiOriginSilences();
    const reducer = new SilencesReducer();
    const rounds: AmSilence[][] = [
      [amSilence('s1'), amSilence('s2', { status: { state: 'pending' } })],
      [amSilence('s1', { comment: 'x' }), amSilence('s2')],
      [amSilence('s1', { status: { state: 'expired' } }), amSilence('s2'), amSilence('s3')],
      [amSilence('s3')],
    ];
    for (const round of rounds) {
      for (const e of stamp(multi.update('a', round, NOW))) reducer.apply(e);
      const live = [...multi.current().values()].filter((s) => s.status.state !== 'expired');
      expect(
        reducer
          .snapshot(() => true)
          .silences.map((s) => s.id)
          .sort(),
      ).toEqual(live.map((s) => s.id).sort());
    }
  });
});

describe('resuming from published state (a new leader takes over)', () => {
  it('publishes nothing for alerts the previous leader already published, only what changed since', () => {
    const before = new MultiOriginAlerts();
    before.setView('prod', [amAlert('A'), silenced('B')]);
    before.setView('eu', [amAlert('A')]);
    before.evaluate(NOW);
    const published = [...before.current().values()];

    const next = new MultiOriginAlerts();
    next.resume(published, ['prod', 'eu']);
    expect(next.evaluate(NOW)).toEqual([]);
    // prod answers with B resolved and C new; eu has not answered yet and keeps its view.
    const drafts = next.update('prod', [amAlert('A'), amAlert('C')], NOW);
    expect(types(drafts).sort()).toEqual(['alert_created', 'alert_firing', 'alert_resolved'].sort());
    expect(next.current().get('fp-A')!.origins).toEqual(['eu', 'prod']);
  });

  it('ignores alerts of other origins and resolved ones', () => {
    const ingest = { ...dataOf(new MultiOriginAlerts().update('api', [amAlert('X')], NOW)), origins: ['ingest'] };
    const resolved = {
      ...dataOf(new MultiOriginAlerts().update('prod', [amAlert('R')], NOW)),
      status: { state: 'resolved' as const, silencedBy: [], inhibitedBy: [] },
    };
    const next = new MultiOriginAlerts();
    next.resume([ingest, resolved], ['prod']);
    expect(next.current().size).toBe(0);
    expect(next.update('prod', [], NOW)).toEqual([]);
  });

  it('continues silences the same way', () => {
    const before = new MultiOriginSilences();
    const s1: AmSilence = {
      id: 's1',
      matchers: [{ name: 'alertname', value: 'A', isRegex: false, isEqual: true }],
      startsAt: iso(NOW - MINUTE),
      endsAt: iso(NOW + 60 * MINUTE),
      updatedAt: iso(NOW - MINUTE),
      createdBy: 'me',
      comment: 'deploy',
      status: { state: 'active' },
    };
    before.update('prod', [s1], NOW);
    const next = new MultiOriginSilences();
    next.resume(before.current().values(), ['prod']);
    expect(next.evaluate(NOW)).toEqual([]);
    expect(types(next.update('prod', [], NOW))).toEqual(['silence_expired']);
  });
});
