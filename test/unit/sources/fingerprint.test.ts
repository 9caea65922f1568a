import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, fingerprint } from '../../../src/sources/alerts/fingerprint.js';

/** Straightforward BigInt FNV-1a 64 over TextEncoder bytes: the specification, slow but obvious. */
function referenceFingerprint(labels: Record<string, string>): string {
  const bytes: number[] = [];
  const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const enc = new TextEncoder();
  for (const name of names) {
    bytes.push(...enc.encode(name), 0xff, ...enc.encode(labels[name]), 0xff);
  }
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

describe('fingerprint', () => {
  it('gives the FNV-1a offset basis for the empty label set', () => {
    expect(fingerprint({})).toBe('cbf29ce484222325');
  });

  // Decimal values from prometheus/common model/signature_test.go.
  it.each([
    [{ name: 'garland, briggs', fear: 'love is not enough' }, 5799056148416392346n],
    [{ 'first-label': 'first-label-value' }, 5146282821936882169n],
    [{ 'first-label': 'first-label-value', 'second-label': 'second-label-value' }, 3195800080984914717n],
    [
      {
        'first-label': 'first-label-value',
        'second-label': 'second-label-value',
        'third-label': 'third-label-value',
      },
      13843036195897128121n,
    ],
  ])('matches the Go test vector for %j', (labels, expected) => {
    expect(BigInt(`0x${fingerprint(labels)}`)).toBe(expected);
  });

  // Fingerprints reported by a real Alertmanager 0.25 (`GET /api/v2/alerts`) for alerts posted to it.
  it.each([
    [{ alertname: 'A' }, 'd2c6efc389df0927'],
    [{ name: 'garland, briggs', fear: 'love is not enough' }, '507a62d79ee76c9a'],
    [{ alertname: 'DiskFull', severity: 'critical', instance: 'db-1:9100', job: 'node' }, '8c77d5865e910658'],
    [{ alertname: 'HighLoad', severity: 'warning', instance: 'db-1:9100' }, '4aa7ace12fd8376a'],
    [{ alertname: 'Ünïcødé', msg: '日本語 ✓ 🚀' }, '5dc376a82c0eefa0'],
    [{ alertname: 'Hook', severity: 'critical' }, '173fee94a51b51d3'],
    [{ alertname: 'Ns' }, '1ebebc4352bc89e5'],
  ])('equals what Alertmanager reports for %j', (labels, expected) => {
    expect(fingerprint(labels)).toBe(expected);
  });

  it('equals every fingerprint in a recorded Alertmanager answer', () => {
    const answer = JSON.parse(
      readFileSync(new URL('./fixtures/alertmanager-0.25-alerts.json', import.meta.url), 'utf8'),
    ) as { fingerprint: string; labels: Record<string, string> }[];
    expect(answer.length).toBeGreaterThan(3);
    for (const alert of answer) expect(fingerprint(alert.labels)).toBe(alert.fingerprint);
  });

  it('renders 16 lowercase hex digits, zero-padded', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), (labels) => {
        expect(fingerprint(labels)).toMatch(/^[0-9a-f]{16}$/);
      }),
    );
  });

  it('does not depend on the order the labels were written in', () => {
    expect(fingerprint({ b: '2', a: '1', c: '3' })).toBe(fingerprint({ c: '3', a: '1', b: '2' }));
  });

  it('separates names from values, so moving a character across the boundary changes it', () => {
    expect(fingerprint({ ab: 'c' })).not.toBe(fingerprint({ a: 'bc' }));
    expect(fingerprint({ a: '' })).not.toBe(fingerprint({}));
  });

  it('agrees with a BigInt reference implementation on arbitrary Unicode label sets', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' })), (labels) => {
        expect(fingerprint(labels)).toBe(referenceFingerprint(labels));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes a lone surrogate as U+FFFD, as Go decodes it from JSON', () => {
    expect(fingerprint({ a: '\ud800' })).toBe(fingerprint({ a: '\ufffd' }));
  });
});

describe('compareCodePoints', () => {
  it('orders like the UTF-8 bytes, unlike UTF-16 code units', () => {
    // U+FF61 (3 UTF-8 bytes, EF BD A1) sorts before U+1F680 (F0 9F 9A 80); as UTF-16 it is the other way round.
    expect(compareCodePoints('\uff61', '🚀')).toBeLessThan(0);
    expect('\uff61' < '🚀').toBe(false);
  });

  it('agrees with Buffer.compare of the UTF-8 encodings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 500 },
    );
  });
});
