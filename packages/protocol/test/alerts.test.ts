import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareAlerts, compareSilences, type AlertOrderKey } from '../src/index.js';

const alert = (fingerprint: string, severity: string | undefined, startsAt: string): AlertOrderKey => ({
  fingerprint,
  labels: severity === undefined ? {} : { severity },
  startsAt,
});

describe('compareAlerts', () => {
  it('orders by severity (case-insensitive), then oldest start, then fingerprint', () => {
    const list = [
      alert('f', undefined, '2026-01-01T00:00:00Z'),
      alert('e', 'info', '2026-01-01T00:00:00Z'),
      alert('d', 'Warning', '2026-01-01T00:00:00Z'),
      alert('c', 'critical', '2026-01-02T00:00:00Z'),
      alert('b', 'CRITICAL', '2026-01-01T00:00:00+01:00'),
      alert('a', 'critical', '2026-01-02T00:00:00Z'),
    ];
    expect(list.sort(compareAlerts).map((a) => a.fingerprint)).toEqual(['b', 'a', 'c', 'd', 'e', 'f']);
  });

  it('reads times by the RFC 3339 rule: nanoseconds and offsets count, other date texts sort last', () => {
    const list = [
      alert('not-rfc3339', 'info', 'Jan 1 2020'),
      alert('late', 'info', '2020-01-01T00:00:00.002000000Z'),
      alert('early', 'info', '2020-01-01T01:00:00.001+01:00'),
    ];
    expect(list.sort(compareAlerts).map((a) => a.fingerprint)).toEqual(['early', 'late', 'not-rfc3339']);
  });

  it('ranks a severity named like an Object member as "other", not as NaN', () => {
    const list = [alert('x', 'constructor', '2026-01-01T00:00:00Z'), alert('y', 'info', '2026-01-01T00:00:00Z')];
    expect(list.sort(compareAlerts).map((a) => a.fingerprint)).toEqual(['y', 'x']);
    expect(compareAlerts(list[0]!, list[1]!)).not.toBeNaN();
  });

  it('is a total order (antisymmetric, transitive) on arbitrary alerts', () => {
    const arb = fc.record({
      fingerprint: fc.string({ maxLength: 3 }),
      labels: fc.record({ severity: fc.constantFrom('critical', 'warning', 'info', 'page', 'INFO') }),
      startsAt: fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'bad'),
    });
    fc.assert(
      fc.property(arb, arb, arb, (a, b, c) => {
        expect(Math.sign(compareAlerts(a, b))).toBe(-Math.sign(compareAlerts(b, a)) || 0);
        if (compareAlerts(a, b) <= 0 && compareAlerts(b, c) <= 0) expect(compareAlerts(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe('compareSilences', () => {
  it('orders by earliest start, then id', () => {
    const list = [
      { id: 'b', startsAt: '2026-01-01T00:00:00Z' },
      { id: 'c', startsAt: 'garbage' },
      { id: 'a', startsAt: '2026-01-01T00:00:00Z' },
      { id: 'd', startsAt: '2025-12-31T23:00:00-02:00' },
    ];
    expect(list.sort(compareSilences).map((s) => s.id)).toEqual(['a', 'b', 'd', 'c']);
  });
});
