import { describe, expect, it } from 'vitest';
import { MAX_POSTABLE_ALERTS, parsePostableAlerts } from '../../../src/sources/alerts/postable-alerts.js';

function errorOf(body: unknown) {
  const result = parsePostableAlerts(body);
  if (result.ok) throw new Error('expected a validation error');
  return result.error;
}

describe('parsePostableAlerts', () => {
  it('accepts the body Prometheus sends', () => {
    // Shape of prometheus/notifier Alert as Prometheus serialises it, nanoseconds included.
    const result = parsePostableAlerts([
      {
        labels: { alertname: 'DiskFull', instance: 'db-1:9100', severity: 'critical' },
        annotations: { summary: 'Disk almost full' },
        startsAt: '2026-11-23T07:00:00.123456789Z',
        endsAt: '2026-11-23T07:04:00.123456789Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=disk_used%3E0.9&g0.tab=1',
      },
    ]);
    expect(result).toEqual({
      ok: true,
      value: [
        {
          labels: { alertname: 'DiskFull', instance: 'db-1:9100', severity: 'critical' },
          annotations: { summary: 'Disk almost full' },
          startsAt: Date.UTC(2026, 10, 23, 7, 0, 0, 123),
          endsAt: Date.UTC(2026, 10, 23, 7, 4, 0, 123),
          generatorURL: 'http://prometheus:9090/graph?g0.expr=disk_used%3E0.9&g0.tab=1',
        },
      ],
    });
  });

  it('defaults annotations and generatorURL and leaves absent times absent', () => {
    const result = parsePostableAlerts([{ labels: { alertname: 'A' } }]);
    expect(result).toEqual({ ok: true, value: [{ labels: { alertname: 'A' }, annotations: {}, generatorURL: '' }] });
    if (result.ok) expect(result.value[0]).not.toHaveProperty('startsAt');
  });

  it("treats null, the empty string and Go's zero time as an unset time", () => {
    const result = parsePostableAlerts([
      { labels: { alertname: 'A' }, startsAt: null, endsAt: '0001-01-01T00:00:00Z' },
      { labels: { alertname: 'B' }, startsAt: '', endsAt: null },
    ]);
    expect(result.ok).toBe(true);
    if (result.ok) {
      for (const alert of result.value) {
        expect(alert.startsAt).toBeUndefined();
        expect(alert.endsAt).toBeUndefined();
      }
    }
  });

  it('drops labels with an empty value, as Alertmanager does before fingerprinting', () => {
    const result = parsePostableAlerts([{ labels: { alertname: 'Empty', drop: '' } }]);
    expect(result.ok && result.value[0]?.labels).toEqual({ alertname: 'Empty' });
  });

  it('accepts an empty array', () => {
    expect(parsePostableAlerts([])).toEqual({ ok: true, value: [] });
  });

  it('ignores fields it does not know', () => {
    expect(parsePostableAlerts([{ labels: { a: 'b' }, receivers: ['x'] }]).ok).toBe(true);
  });

  it('keeps a label named __proto__ as an ordinary label', () => {
    const result = parsePostableAlerts(JSON.parse('[{"labels":{"alertname":"A","__proto__":"x"}}]'));
    expect(result.ok).toBe(true);
    if (result.ok) {
      const labels = result.value[0]!.labels;
      expect(Object.keys(labels)).toEqual(['alertname', '__proto__']);
      expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    }
  });

  it.each([
    [{ alerts: [] }, '', 'body must be a JSON array of alerts'],
    [null, '', 'body must be a JSON array of alerts'],
    [['x'], '[0]', 'must be an object'],
    [[{}], '[0].labels', 'is required'],
    [[{ labels: null }], '[0].labels', 'is required'],
    [[{ labels: ['a'] }], '[0].labels', 'must be an object'],
    [[{ labels: {} }], '[0].labels', 'must hold at least one label with a non-empty value'],
    [[{ labels: { alertname: '' } }], '[0].labels', 'must hold at least one label with a non-empty value'],
    [
      [{ labels: { a: 'b' } }, { labels: { a: 'b' } }, { labels: { alertname: 5 } }],
      '[2].labels.alertname',
      'must be a string',
    ],
    [
      [{ labels: { 'foo-bar': 'x' } }],
      '[0].labels["foo-bar"]',
      'invalid label name: must match [a-zA-Z_][a-zA-Z0-9_]*',
    ],
    [[{ labels: { '1x': 'x' } }], '[0].labels["1x"]', 'invalid label name: must match [a-zA-Z_][a-zA-Z0-9_]*'],
    [[{ labels: { a: 'b' }, annotations: { summary: 1 } }], '[0].annotations.summary', 'must be a string'],
    [[{ labels: { a: 'b' }, annotations: 'x' }], '[0].annotations', 'must be an object'],
    [
      [{ labels: { a: 'b' }, startsAt: 'yesterday' }],
      '[0].startsAt',
      'must be an RFC 3339 date-time (got "yesterday")',
    ],
    [[{ labels: { a: 'b' }, endsAt: 1700000000 }], '[0].endsAt', 'must be an RFC 3339 date-time string'],
    [
      [{ labels: { a: 'b' }, startsAt: '2026-01-02T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' }],
      '[0].endsAt',
      'must not be before startsAt',
    ],
    [[{ labels: { a: 'b' }, generatorURL: 42 }], '[0].generatorURL', 'must be a string'],
  ])('refuses %j naming field %j', (body, field, message) => {
    expect(errorOf(body)).toEqual({ field, message });
  });

  it(`refuses more than ${MAX_POSTABLE_ALERTS} alerts`, () => {
    const body = Array.from({ length: MAX_POSTABLE_ALERTS + 1 }, (_, i) => ({ labels: { i: String(i) } }));
    expect(errorOf(body)).toEqual({ field: '', message: 'must not hold more than 10000 items (got 10001)' });
    expect(parsePostableAlerts(body.slice(1)).ok).toBe(true);
  });

  it('takes a lower limit from its options', () => {
    const result = parsePostableAlerts([{ labels: { a: 'b' } }, { labels: { a: 'c' } }], { maxAlerts: 1 });
    expect(result.ok).toBe(false);
  });
});
