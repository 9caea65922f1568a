import { describe, expect, it } from 'vitest';
import { compareGroups, labelsBefore } from '../../../src/sources/alertmanager-api/gettable.js';
import { parseAlertQuery, parseSilenceQuery } from '../../../src/sources/alertmanager-api/query.js';
import { parsePostableSilence } from '../../../src/sources/alertmanager-api/postable-silence.js';
import { parseRoutingConfig, route } from '../../../src/sources/alertmanager-api/route-tree.js';
import { LivegateError } from '../../../src/errors.js';

const CONFIG = `
route:
  receiver: default
  group_by: [alertname]
  routes:
    - match: { severity: critical }
      receiver: pager
      continue: true
      group_by: ['...']
    - match_re: { team: "db|data" }
      receiver: dba
      routes:
        - matchers: ['env="prod"']
          receiver: dba-prod
    - matchers: ['team="web"']
      receiver: web
receivers: [{ name: default }, { name: pager }, { name: dba }, { name: dba-prod }, { name: web }]
`;

describe('route tree', () => {
  const config = parseRoutingConfig(CONFIG);
  const receivers = (labels: Record<string, string>) => route(config, labels).map((d) => d.route.receiver);

  it('sends an alert to the first matching child, and on past it while continue is set', () => {
    expect(receivers({ alertname: 'A', severity: 'critical', team: 'db' })).toEqual(['pager', 'dba']);
    expect(receivers({ alertname: 'A', team: 'web' })).toEqual(['web']);
  });

  it('descends into nested routes and falls back to the parent when no child matches', () => {
    expect(receivers({ alertname: 'A', team: 'data', env: 'prod' })).toEqual(['dba-prod']);
    expect(receivers({ alertname: 'A', team: 'data' })).toEqual(['dba']);
    expect(receivers({ alertname: 'A' })).toEqual(['default']);
  });

  it('inherits group_by and honours "..."', () => {
    const [pager] = route(config, { alertname: 'A', severity: 'critical', x: '1' });
    expect(pager!.groupLabels).toEqual({ alertname: 'A', severity: 'critical', x: '1' });
    const [dba] = route(config, { alertname: 'B', team: 'db', other: 'y' });
    expect(dba!.groupLabels).toEqual({ alertname: 'B' });
  });

  it('lists receivers in configuration order and refuses a config without a route', () => {
    expect(config.receivers).toEqual(['default', 'pager', 'dba', 'dba-prod', 'web']);
    expect(() => parseRoutingConfig('receivers: []')).toThrow(/no route/);
  });
});

describe('Alertmanager orders', () => {
  it('sorts label sets as Prometheus LabelSet.Before: fewer labels first', () => {
    expect(labelsBefore({ alertname: 'Z' }, { alertname: 'A', team: 'x' })).toBeLessThan(0);
    // A set lacking the first name in the union comes first, as in Prometheus.
    expect(labelsBefore({ a: '1' }, { b: '1' })).toBeGreaterThan(0);
    expect(labelsBefore({ a: '2' }, { a: '1' })).toBeGreaterThan(0);
    const g = (labels: Record<string, string>, receiver: string) => ({
      alerts: [],
      labels,
      receiver: { name: receiver },
    });
    expect(compareGroups(g({ a: '1' }, 'b'), g({ a: '1' }, 'a'))).toBeGreaterThan(0);
  });
});

describe('query parameters', () => {
  it('reads filters, booleans and the receiver regex', () => {
    const q = parseAlertQuery({ filter: ['alertname="A"', 'team=~"d.*"'], silenced: 'false', receiver: 'pa.*' });
    expect(q.matches({ alertname: 'A', team: 'db' })).toBe(true);
    expect(q.matches({ alertname: 'A', team: 'web' })).toBe(false);
    expect(q.silenced).toBe(false);
    expect(q.active).toBe(true);
    expect(q.receiver!('pager')).toBe(true);
    expect(q.receiver!('xpager')).toBe(false);
    expect(parseSilenceQuery({ filter: 'a="1"' }).matches({ a: '1' })).toBe(true);
  });

  it.each([
    [{ filter: 'a=' + '"x'.repeat(600) }, 'filter[0]'],
    [{ filter: Array.from({ length: 65 }, () => 'a="b"') }, 'filter'],
    [{ active: ['true', 'false'] }, 'active'],
    [{ inhibited: 'perhaps' }, 'inhibited'],
    [{ receiver: '(a)\\1' }, 'receiver'],
    [{ receiver: '[' }, 'receiver'],
  ])('refuses %j naming %s', (query, field) => {
    try {
      parseAlertQuery(query);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LivegateError);
      expect((err as LivegateError).field).toBe(field);
    }
  });
});

describe('postable silence', () => {
  const good = {
    matchers: [{ name: 'alertname', value: 'A', isRegex: false }],
    startsAt: '2026-12-01T00:00:00Z',
    endsAt: '2026-12-01T01:00:00Z',
    createdBy: 'me',
    comment: 'why',
  };

  it('accepts an Alertmanager body', () => {
    expect(parsePostableSilence(good).matchers[0]!.name).toBe('alertname');
  });

  it.each([
    [{ ...good, matchers: Array.from({ length: 65 }, () => good.matchers[0]) }, 'matchers'],
    [{ ...good, matchers: [{ name: 'a', value: 'v'.repeat(1025), isRegex: false }] }, 'matchers[0].value'],
    [{ ...good, createdBy: '' }, 'createdBy'],
    [{ ...good, createdBy: 'x'.repeat(257) }, 'createdBy'],
    [{ ...good, startsAt: 5 }, 'startsAt'],
    // Date.parse accepts these; the RFC 3339 grammar of @livegate/protocol does not.
    [{ ...good, startsAt: '2026-02-30T00:00:00Z' }, 'startsAt'],
    [{ ...good, endsAt: '2026-12-01' }, 'endsAt'],
    [{ ...good, matchers: [{ name: '1a', value: 'v', isRegex: false }] }, 'matchers[0].name'],
    [{ ...good, extra: 1 }, 'body'],
    [[], 'body'],
  ])('refuses a body naming %#', (body, field) => {
    try {
      parsePostableSilence(body);
      expect.unreachable();
    } catch (err) {
      expect((err as LivegateError).code).toBe('invalid_body');
      expect((err as LivegateError).field).toBe(field);
    }
  });
});
