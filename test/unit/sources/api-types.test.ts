import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGettableAlerts, parseGettableSilences } from '../../../src/sources/alertmanager/api-types.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

const gettableAlert = {
  annotations: { summary: 'Disk almost full' },
  endsAt: '2026-11-23T08:42:23.806Z',
  fingerprint: '8c77d5865e910658',
  receivers: [{ name: 'web' }],
  startsAt: '2026-11-23T08:37:23.806Z',
  status: { inhibitedBy: [], silencedBy: [], state: 'active' },
  updatedAt: '2026-11-23T08:37:23.806Z',
  generatorURL: 'http://prometheus:9090/graph',
  labels: { alertname: 'DiskFull', instance: 'db-1:9100', job: 'node', severity: 'critical' },
};

const gettableSilence = {
  id: '09e7d1fe-2d36-4c28-8323-17771dab57af',
  status: { state: 'active' },
  updatedAt: '2026-11-23T08:31:14.870Z',
  comment: 'maintenance',
  createdBy: 'alice',
  endsAt: '2099-01-01T00:00:00.000Z',
  matchers: [{ isEqual: false, isRegex: true, name: 'job', value: 'no.*' }],
  startsAt: '2026-11-23T08:31:14.870Z',
};

function alertError(alert: unknown) {
  const result = parseGettableAlerts([gettableAlert, alert]);
  if (result.ok) throw new Error('expected a validation error');
  return result.error;
}

function silenceError(silence: unknown) {
  const result = parseGettableSilences([silence]);
  if (result.ok) throw new Error('expected a validation error');
  return result.error;
}

describe('parseGettableAlerts', () => {
  it('reads a recorded Alertmanager 0.25 answer with active, silenced and inhibited alerts', () => {
    const result = parseGettableAlerts(fixture('alertmanager-0.25-alerts.json'));
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    const byName = new Map(result.value.map((a) => [a.labels['alertname'] ?? a.labels['name'], a]));
    expect(result.value).toHaveLength(7);
    expect(byName.get('HighLoad')?.status).toEqual({
      state: 'suppressed',
      silencedBy: [],
      inhibitedBy: ['8c77d5865e910658'],
    });
    expect(byName.get('A')?.status).toEqual({
      state: 'suppressed',
      silencedBy: ['fe9a0132-b42b-4b3c-bd2d-4af32b816a8a'],
      inhibitedBy: [],
    });
    expect(byName.get('DiskFull')).toMatchObject({
      annotations: { summary: 'Disk almost full', description: '95% used' },
      generatorURL: 'http://prometheus:9090/graph?g0.expr=disk_used%3E0.9',
      receivers: ['web'],
      status: { state: 'active' },
    });
    expect(byName.get('A')?.generatorURL).toBe('');
  });

  it('normalises times given with an offset to UTC', () => {
    const result = parseGettableAlerts(fixture('alertmanager-0.25-alerts.json'));
    const ns = result.ok ? result.value.find((a) => a.labels['alertname'] === 'Ns') : undefined;
    expect(ns?.endsAt).toBe('2098-12-31T22:00:00.000Z');
    expect(ns?.startsAt).toBe('2020-01-01T00:00:00.123Z');
  });

  it('reads null lists and maps as empty, as Go may marshal them', () => {
    const result = parseGettableAlerts([
      {
        ...gettableAlert,
        annotations: null,
        receivers: null,
        status: { state: 'active', silencedBy: null, inhibitedBy: null },
      },
    ]);
    expect(result.ok && result.value[0]).toMatchObject({
      annotations: {},
      receivers: [],
      status: { silencedBy: [], inhibitedBy: [] },
    });
  });

  it('accepts an empty answer', () => {
    expect(parseGettableAlerts([])).toEqual({ ok: true, value: [] });
  });

  it.each([
    [{ ...gettableAlert, fingerprint: undefined }, '[1].fingerprint', 'must be a string'],
    [{ ...gettableAlert, fingerprint: '' }, '[1].fingerprint', 'must not be empty'],
    [{ ...gettableAlert, labels: undefined }, '[1].labels', 'must be an object'],
    [{ ...gettableAlert, labels: { a: 1 } }, '[1].labels.a', 'must be a string'],
    [{ ...gettableAlert, startsAt: 'soon' }, '[1].startsAt', 'must be an RFC 3339 date-time (got "soon")'],
    [{ ...gettableAlert, updatedAt: undefined }, '[1].updatedAt', 'must be an RFC 3339 date-time string'],
    [{ ...gettableAlert, status: 'active' }, '[1].status', 'must be an object'],
    [
      { ...gettableAlert, status: { state: 'muted', silencedBy: [], inhibitedBy: [] } },
      '[1].status.state',
      'must be one of "active", "suppressed", "unprocessed"',
    ],
    [
      { ...gettableAlert, status: { state: 'active', silencedBy: [1], inhibitedBy: [] } },
      '[1].status.silencedBy[0]',
      'must be a string',
    ],
    [{ ...gettableAlert, receivers: ['web'] }, '[1].receivers[0]', 'must be an object'],
  ])('refuses a malformed alert %#, naming %s', (alert, field, message) => {
    expect(alertError(alert)).toEqual({ field, message });
  });

  it('refuses an answer that is not an array', () => {
    expect(parseGettableAlerts({ data: [] })).toEqual({ ok: false, error: { field: '', message: 'must be an array' } });
    expect(parseGettableAlerts('<html>')).toMatchObject({ ok: false });
  });
});

describe('parseGettableSilences', () => {
  it('reads a recorded Alertmanager 0.25 answer with active, pending and expired silences', () => {
    const result = parseGettableSilences(fixture('alertmanager-0.25-silences.json'));
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result.value.map((s) => s.status.state).sort()).toEqual(['active', 'expired', 'pending']);
    const expired = result.value.find((s) => s.status.state === 'expired');
    expect(expired).toMatchObject({
      createdBy: 'alice',
      comment: 'maintenance',
      matchers: [
        { name: 'alertname', value: 'Ns', isRegex: false, isEqual: true },
        { name: 'job', value: 'no.*', isRegex: true, isEqual: false },
      ],
    });
  });

  it('defaults isEqual to true for Alertmanagers older than 0.22', () => {
    const result = parseGettableSilences([
      { ...gettableSilence, matchers: [{ name: 'a', value: 'b', isRegex: false }] },
    ]);
    expect(result.ok && result.value[0]?.matchers).toEqual([{ name: 'a', value: 'b', isRegex: false, isEqual: true }]);
  });

  it.each([
    [{ ...gettableSilence, id: 7 }, '[0].id', 'must be a string'],
    [{ ...gettableSilence, id: '' }, '[0].id', 'must not be empty'],
    [{ ...gettableSilence, matchers: undefined }, '[0].matchers', 'must be an array'],
    [
      { ...gettableSilence, matchers: [{ name: 'a', value: 'b', isRegex: 'no' }] },
      '[0].matchers[0].isRegex',
      'must be a boolean',
    ],
    [{ ...gettableSilence, endsAt: '2099-01-01' }, '[0].endsAt', 'must be an RFC 3339 date-time (got "2099-01-01")'],
    [
      { ...gettableSilence, status: { state: 'gone' } },
      '[0].status.state',
      'must be one of "active", "pending", "expired"',
    ],
    [{ ...gettableSilence, comment: 3 }, '[0].comment', 'must be a string'],
  ])('refuses a malformed silence %#, naming %s', (silence, field, message) => {
    expect(silenceError(silence)).toEqual({ field, message });
  });
});
