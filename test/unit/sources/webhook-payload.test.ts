import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_ALERTS, parseWebhookPayload } from '../../../src/sources/alertmanager/webhook-payload.js';

const recorded = JSON.parse(
  readFileSync(new URL('./fixtures/alertmanager-0.25-webhooks.json', import.meta.url), 'utf8'),
) as Record<string, unknown>[];
const firing = recorded.find((p) => p['status'] === 'firing')!;
const resolved = recorded.find((p) => p['status'] === 'resolved')!;
const firstAlert = (firing['alerts'] as Record<string, unknown>[])[0]!;

function errorOf(body: unknown) {
  const result = parseWebhookPayload(body);
  if (result.ok) throw new Error('expected a validation error');
  return result.error;
}

describe('parseWebhookPayload', () => {
  it('reads a firing notification recorded from Alertmanager 0.25', () => {
    const result = parseWebhookPayload(firing);
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result.value).toEqual({
      version: '4',
      groupKey: '{}:{alertname="Hook"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'web',
      groupLabels: { alertname: 'Hook' },
      commonLabels: { alertname: 'Hook', severity: 'critical' },
      commonAnnotations: { summary: 'it burns' },
      externalURL: 'http://vm:36043',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'Hook', severity: 'critical' },
          annotations: { summary: 'it burns' },
          startsAt: '2026-11-23T08:32:54.965Z',
          endsAt: '0001-01-01T00:00:00.000Z',
          generatorURL: 'http://prom:9090/graph?g0.expr=up',
          fingerprint: '173fee94a51b51d3',
        },
      ],
    });
  });

  it('reads a resolved notification recorded from Alertmanager 0.25', () => {
    const result = parseWebhookPayload(resolved);
    expect(result.ok && result.value.alerts[0]).toMatchObject({
      status: 'resolved',
      endsAt: '2026-11-23T08:00:00.000Z',
    });
  });

  it('defaults truncatedAlerts to 0 and the optional maps to empty', () => {
    const { truncatedAlerts: _t, commonAnnotations: _c, ...rest } = firing;
    const result = parseWebhookPayload(rest);
    expect(result.ok && result.value).toMatchObject({ truncatedAlerts: 0, commonAnnotations: {} });
  });

  it.each([
    ['a non-object body', [], '', 'must be an object'],
    ['version 3', { ...firing, version: '3' }, 'version', 'unsupported webhook payload version "3"; expected "4"'],
    ['a numeric version', { ...firing, version: 4 }, 'version', 'unsupported webhook payload version 4; expected "4"'],
    [
      'no version',
      { ...firing, version: undefined },
      'version',
      'unsupported webhook payload version null; expected "4"',
    ],
    ['no groupKey', { ...firing, groupKey: undefined }, 'groupKey', 'must be a string'],
    ['an unknown status', { ...firing, status: 'pending' }, 'status', 'must be one of "firing", "resolved"'],
    [
      'a negative truncatedAlerts',
      { ...firing, truncatedAlerts: -1 },
      'truncatedAlerts',
      'must be a non-negative integer',
    ],
    ['a non-string receiver', { ...firing, receiver: 1 }, 'receiver', 'must be a string'],
    ['non-string common labels', { ...firing, commonLabels: { a: 1 } }, 'commonLabels.a', 'must be a string'],
    ['alerts that are not an array', { ...firing, alerts: {} }, 'alerts', 'must be an array'],
    ['an alert that is not an object', { ...firing, alerts: [null] }, 'alerts[0]', 'must be an object'],
    [
      'an alert with an unknown status',
      { ...firing, alerts: [{ ...firstAlert, status: 'ok' }] },
      'alerts[0].status',
      'must be one of "firing", "resolved"',
    ],
    [
      'an alert without labels',
      { ...firing, alerts: [{ ...firstAlert, labels: undefined }] },
      'alerts[0].labels',
      'must be an object',
    ],
    [
      'an alert with a bad startsAt',
      { ...firing, alerts: [{ ...firstAlert, startsAt: 'now' }] },
      'alerts[0].startsAt',
      'must be an RFC 3339 date-time (got "now")',
    ],
  ])('refuses %s, naming the field', (_name, body, field, message) => {
    expect(errorOf(body)).toEqual({ field, message });
  });

  it(`refuses more than ${MAX_WEBHOOK_ALERTS} alerts`, () => {
    const alerts = Array.from({ length: MAX_WEBHOOK_ALERTS + 1 }, () => firstAlert);
    expect(errorOf({ ...firing, alerts }).field).toBe('alerts');
  });
});
