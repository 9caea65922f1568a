import { describe, expect, it } from 'vitest';
import {
  commonLabels,
  countByDisplayState,
  describeAlert,
  describeSilence,
  groupByLabel,
  linksOf,
  matchesText,
  matchersFor,
  silenceBody,
  staleSources,
} from '../../../web/src/oncall-model.js';
import type { Alert, Silence } from '../../../packages/client/src/index.js';

const alert = (fp: string, labels: Record<string, string>, status: Partial<Alert['status']> = {}): Alert =>
  ({
    fingerprint: fp,
    labels,
    annotations: { summary: `summary of ${fp}` },
    startsAt: '2026-12-01T00:00:00.000Z',
    endsAt: '2026-12-01T01:00:00.000Z',
    generatorURL: '',
    status: { state: 'active', silencedBy: [], inhibitedBy: [], ...status },
    origins: ['am'],
    updatedAt: '2026-12-01T00:00:00.000Z',
  }) as Alert;

describe('on-call model', () => {
  const alerts = [
    alert('a1', { alertname: 'A', team: 'db' }),
    alert('a2', { alertname: 'A', team: 'web' }, { state: 'suppressed', silencedBy: ['s1'] }),
    alert('a3', { alertname: 'B', team: 'db' }, { state: 'suppressed', inhibitedBy: ['a1'] }),
  ];

  it('counts by display state, one definition for tiles and chips', () => {
    expect(countByDisplayState(alerts)).toEqual({ firing: 1, silenced: 1, inhibited: 1, resolved: 0 });
  });

  it('groups by any label, largest group first, missing values last', () => {
    const groups = groupByLabel([...alerts, alert('a4', { alertname: 'C' })], 'team', (a) => a.labels);
    expect(groups.map((g) => [g.value, g.items.length])).toEqual([
      ['db', 2],
      ['web', 1],
      ['', 1],
    ]);
  });

  it('searches labels and annotations by every word', () => {
    expect(matchesText(alerts[0]!, 'team=db summary')).toBe(true);
    expect(matchesText(alerts[0]!, 'web')).toBe(false);
    expect(matchesText(alerts[0]!, '  ')).toBe(true);
  });

  it('links runbook, dashboard and source, http(s) only', () => {
    const links = linksOf({
      annotations: { runbook_url: 'https://rb/x', dashboard_url: 'javascript:alert(1)' },
      generatorURL: 'http://prom/graph',
    });
    expect(links).toEqual([
      { label: 'Runbook', href: 'https://rb/x' },
      { label: 'Source', href: 'http://prom/graph' },
    ]);
  });

  it('prefills matchers from labels, alertname first, and from what a group shares', () => {
    expect(matchersFor({ team: 'db', alertname: 'A' }).map((m) => m.name)).toEqual(['alertname', 'team']);
    expect(commonLabels(alerts.slice(0, 2))).toEqual({ alertname: 'A' });
    const body = silenceBody(matchersFor({ alertname: 'A' }), 15, 'me', 'ack', Date.parse('2026-12-01T00:00:00Z'));
    expect(body).toMatchObject({ endsAt: '2026-12-01T00:15:00.000Z', createdBy: 'me', comment: 'ack' });
  });

  it('names silences and inhibiting alerts instead of ids', () => {
    const silences = [{ id: 's1', createdBy: 'ann', comment: 'disk swap' } as Silence];
    expect(describeSilence('s1', silences)).toBe('ann: disk swap');
    expect(describeSilence('0123456789', silences)).toBe('silence 01234567');
    expect(describeAlert('a1', alerts)).toBe('A (team=db)');
  });

  it('reports unhealthy alert sources, not the bus', () => {
    expect(
      staleSources([
        { component: 'bus', status: 'unhealthy', since: 't' },
        { component: 'alertmanager/prod', status: 'unhealthy', since: 't', detail: 'refused' },
        { component: 'ingest', status: 'healthy', since: 't' },
      ]).map((s) => s.component),
    ).toEqual(['alertmanager/prod']);
  });
});
