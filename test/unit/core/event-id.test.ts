import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEventId, newEpoch, parseEventId } from '../../../src/core/event-id.js';

describe('newEpoch', () => {
  it('makes 12 lowercase base-36 characters', () => {
    for (let i = 0; i < 200; i++) expect(newEpoch()).toMatch(/^[a-z0-9]{12}$/);
  });

  it('makes a different epoch each time', () => {
    const epochs = new Set(Array.from({ length: 1000 }, () => newEpoch()));
    expect(epochs.size).toBe(1000);
  });

  it('makes epochs that parse back inside an id', () => {
    const epoch = newEpoch();
    expect(parseEventId(formatEventId(epoch, 7))).toEqual({ epoch, seq: 7 });
  });
});

describe('formatEventId', () => {
  it('joins epoch and seq with a dash', () => {
    expect(formatEventId('k3x9a0b1c2d3', 1042)).toBe('k3x9a0b1c2d3-1042');
  });

  it('formats seq 0 as the position before the first event', () => {
    expect(formatEventId('abcd', 0)).toBe('abcd-0');
    expect(parseEventId('abcd-0')).toEqual({ epoch: 'abcd', seq: 0 });
  });
});

describe('parseEventId', () => {
  it('round-trips every valid epoch and safe seq (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]{4,32}$/),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (epoch, seq) => {
          expect(parseEventId(formatEventId(epoch, seq))).toEqual({ epoch, seq });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts the largest safe seq and refuses the next one', () => {
    expect(parseEventId(`abcd-${Number.MAX_SAFE_INTEGER}`)).toEqual({ epoch: 'abcd', seq: Number.MAX_SAFE_INTEGER });
    expect(parseEventId('abcd-9007199254740992')).toBeNull();
    expect(parseEventId('abcd-12345678901234567')).toBeNull(); // 17 digits
  });

  it.each([
    ['empty', ''],
    ['no dash', 'abcd12'],
    ['no epoch', '-12'],
    ['no seq', 'abcd-'],
    ['epoch too short', 'abc-1'],
    ['epoch too long', `${'a'.repeat(33)}-1`],
    ['uppercase epoch', 'ABCD-1'],
    ['epoch with a dash', 'ab-cd-1'],
    ['epoch with a space', 'ab cd-1'],
    ['leading zero', 'abcd-01'],
    ['negative seq', 'abcd--1'],
    ['plus sign', 'abcd-+1'],
    ['fraction', 'abcd-1.5'],
    ['exponent', 'abcd-1e3'],
    ['hex', 'abcd-0x10'],
    ['trailing space', 'abcd-1 '],
    ['trailing newline', 'abcd-1\n'],
    ['leading space', ' abcd-1'],
    ['longer than 64 characters', `${'a'.repeat(32)}-${'1'.repeat(16)}${'x'.repeat(20)}`],
  ])('refuses an id with %s', (_name, id) => {
    expect(parseEventId(id)).toBeNull();
  });

  it('never throws, whatever the input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (text) => {
        const parsed = parseEventId(text);
        if (parsed !== null) {
          expect(formatEventId(parsed.epoch, parsed.seq)).toBe(text);
          expect(Number.isSafeInteger(parsed.seq)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
