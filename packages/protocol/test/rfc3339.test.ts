import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GO_ZERO_TIME_MS, formatTime, parseRfc3339 } from '../src/rfc3339.js';

describe('parseRfc3339', () => {
  it.each([
    ['2026-11-23T07:01:29Z', Date.UTC(2026, 10, 23, 7, 1, 29)],
    ['2026-11-23T07:01:29.119Z', Date.UTC(2026, 10, 23, 7, 1, 29, 119)],
    ['2026-11-23t07:01:29z', Date.UTC(2026, 10, 23, 7, 1, 29)],
    ['2099-01-01T00:00:00.000+02:00', Date.UTC(2098, 11, 31, 22, 0, 0)],
    ['2020-01-01T00:00:00-05:30', Date.UTC(2020, 0, 1, 5, 30, 0)],
    ['2024-02-29T12:00:00Z', Date.UTC(2024, 1, 29, 12)],
  ])('reads %s', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it('truncates nanoseconds to milliseconds, as Alertmanager shows them', () => {
    expect(formatTime(parseRfc3339('2020-01-01T00:00:00.123456789Z')!)).toBe('2020-01-01T00:00:00.123Z');
    expect(formatTime(parseRfc3339('2026-11-23T08:31:07.0301122Z')!)).toBe('2026-11-23T08:31:07.030Z');
  });

  it("reads Go's zero time, which Alertmanager writes for an unset endsAt", () => {
    expect(parseRfc3339('0001-01-01T00:00:00Z')).toBe(GO_ZERO_TIME_MS);
    expect(formatTime(GO_ZERO_TIME_MS)).toBe('0001-01-01T00:00:00.000Z');
  });

  it.each([
    '',
    '2026-11-23',
    '2026-11-23 07:01:29Z',
    '2026-11-23T07:01:29',
    '2026-11-23T07:01Z',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:60:00Z',
    '2026-01-01T00:00:60Z',
    '2026-01-01T00:00:00+24:00',
    '2026-01-01T00:00:00.Z',
    '2026-01-01T00:00:00.1234567890Z',
    'Mon, 23 Nov 2026 07:01:29 GMT',
    '1700000000',
  ])('refuses %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it('reads back every time it formats', () => {
    fc.assert(
      fc.property(fc.integer({ min: GO_ZERO_TIME_MS, max: Date.UTC(9999, 11, 31) }), (ms) => {
        expect(parseRfc3339(formatTime(ms))).toBe(ms);
      }),
    );
  });
});
