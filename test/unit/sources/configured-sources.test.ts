import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { ConfigInput } from '../../../src/config/schema.js';
import type { LiveAlert } from '../../../src/sources/alerts/alert-model.js';
import { AlertStateSource, countAlerts } from '../../../src/sources/alerts/alert-state-source.js';
import { IngestSource } from '../../../src/sources/alerts/ingest-source.js';
import { AlertmanagerWatcher } from '../../../src/sources/alertmanager/watcher-source.js';
import { configuredSources } from '../../../src/sources/configured.js';
import { DemoSource } from '../../../src/sources/demo/demo-source.js';
import { AlertmanagerApiSource } from '../../../src/sources/alertmanager-api/api-source.js';
import { AlertmanagerProbesSource } from '../../../src/sources/alertmanager-api/probes-source.js';
import type { StatsContributor } from '../../../src/sources/stats/stats-source.js';
import { stamp } from './stamp.js';

function build(overrides: ConfigInput) {
  const contributors: StatsContributor[] = [];
  const sources = configuredSources(loadConfig({ overrides }), { stats: { contribute: (c) => contributors.push(c) } });
  return { sources, contributors };
}

function alert(fp: string, severity: string | undefined, state: LiveAlert['status']['state']): LiveAlert {
  return {
    fingerprint: fp,
    labels: severity === undefined ? { alertname: fp } : { alertname: fp, severity },
    annotations: {},
    startsAt: '2026-11-23T08:00:00.000Z',
    endsAt: '2026-11-23T09:00:00.000Z',
    generatorURL: '',
    status: { state, silencedBy: state === 'suppressed' ? ['s1'] : [], inhibitedBy: [] },
    origins: ['x'],
    updatedAt: '2026-11-23T08:00:00.000Z',
  };
}

describe('configuredSources', () => {
  it('builds the ingest by default, after the one owner of the alerts and silences state topics, with the Alertmanager API', () => {
    const { sources, contributors } = build({});
    expect(sources.map((s) => s.constructor)).toEqual([
      AlertStateSource,
      IngestSource,
      AlertmanagerApiSource,
      AlertmanagerProbesSource,
    ]);
    expect(sources[0]!.reducers!.map((r) => r.topic)).toEqual(['alerts', 'silences']);
    expect(sources.slice(1).every((s) => s.reducers === undefined)).toBe(true);
    expect(contributors).toHaveLength(1);
  });

  it('adds the watcher and the demo when configured, still with one state owner', () => {
    const { sources } = build({ alertmanagers: 'prod=http://am:9093', demo: true });
    expect(sources.map((s) => s.constructor)).toEqual([
      AlertStateSource,
      IngestSource,
      AlertmanagerWatcher,
      DemoSource,
      AlertmanagerApiSource,
      AlertmanagerProbesSource,
    ]);
    expect(sources.flatMap((s) => s.reducers ?? []).map((r) => r.topic)).toEqual(['alerts', 'silences']);
  });

  it('builds nothing when every alert publisher is off', () => {
    expect(build({ alerts: { ingest: false } })).toEqual({ sources: [], contributors: [] });
  });
});

describe('alert counts for stats_updated', () => {
  it('counts firing alerts by state and by lower-cased severity', () => {
    expect(
      countAlerts([
        alert('a', 'critical', 'active'),
        alert('b', 'Critical', 'suppressed'),
        alert('c', undefined, 'unprocessed'),
        alert('d', 'warning', 'resolved'),
      ]),
    ).toEqual({
      firing: 3,
      byState: { active: 1, suppressed: 1, unprocessed: 1 },
      bySeverity: { critical: 2, none: 1 },
    });
  });

  it('reads the bus-derived state, so resolved alerts and expired silences drop out', () => {
    const state = new AlertStateSource();
    const silence = {
      id: 's1',
      matchers: [],
      startsAt: '',
      endsAt: '',
      createdBy: '',
      comment: '',
      status: { state: 'pending' },
      origins: ['x'],
      updatedAt: '',
    };
    for (const event of stamp([
      { topic: 'alerts', type: 'alert_firing', data: alert('a', 'warning', 'active') },
      { topic: 'alerts', type: 'alert_firing', data: alert('b', 'info', 'active') },
      { topic: 'alerts', type: 'alert_resolved', data: alert('b', 'info', 'resolved') },
      { topic: 'silences', type: 'silence_created', data: silence },
    ]))
      state.reducers.find((r) => r.topic === event.topic)!.apply(event);
    expect(state.counts()).toEqual({
      alerts: { firing: 1, byState: { active: 1, suppressed: 0, unprocessed: 0 }, bySeverity: { warning: 1 } },
      silences: { active: 0, pending: 1 },
    });
  });
});
