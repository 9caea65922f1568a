import { describe, expect, it } from 'vitest';
import {
  chooseTransport,
  createSelection,
  eligibleAt,
  nextProbe,
  recordFailure,
  recordSuccess,
  reprobeDelay,
} from '../src/transport-selection.js';

const policy = { afterMs: 60_000, maxMs: 960_000 };
const order = ['sse', 'ws', 'poll'] as const;

describe('transport selection', () => {
  it('starts with the first transport of the order', () => {
    expect(chooseTransport(createSelection(order), 0, policy)).toMatchObject({
      transport: 'sse',
      roundExhausted: false,
    });
  });

  it('refuses an empty order', () => {
    expect(() => createSelection([])).toThrow(TypeError);
  });

  it('skips a transport that failed to connect and tries the next one', () => {
    let s = createSelection(order);
    s = recordFailure(s, 'sse', 1000);
    expect(chooseTransport(s, 1000, policy).transport).toBe('ws');
    s = recordFailure(s, 'ws', 1001);
    expect(chooseTransport(s, 1001, policy).transport).toBe('poll');
  });

  it('starts a new round from the best transport once every one has failed, clearing the records', () => {
    let s = createSelection(order);
    for (const name of order) s = recordFailure(s, name, 1000);
    const choice = chooseTransport(s, 1000, policy);
    expect(choice).toMatchObject({ transport: 'sse', roundExhausted: true });
    expect(choice.state.failures).toEqual({});
  });

  it('makes a failed transport eligible again after the re-probe delay', () => {
    const s = recordFailure(createSelection(order), 'sse', 1000);
    expect(chooseTransport(s, 1000 + 59_999, policy).transport).toBe('ws');
    expect(chooseTransport(s, 1000 + 60_000, policy).transport).toBe('sse');
  });

  it('doubles the re-probe delay after each consecutive failure, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((n) => reprobeDelay(n, policy))).toEqual([
      60_000, 120_000, 240_000, 480_000, 960_000, 960_000, 960_000,
    ]);
    let s = createSelection(order);
    s = recordFailure(s, 'sse', 0);
    s = recordFailure(s, 'sse', 100_000);
    expect(eligibleAt(s, 'sse', policy)).toBe(220_000);
  });

  it('forgets the failures of a transport once it connects', () => {
    let s = recordFailure(recordFailure(createSelection(order), 'sse', 0), 'sse', 1);
    s = recordSuccess(s, 'sse');
    expect(s.failures.sse).toBeUndefined();
    expect(recordSuccess(s, 'ws')).toBe(s);
  });

  it('never mutates the state it is given', () => {
    const s = createSelection(order);
    const failed = recordFailure(s, 'sse', 5);
    expect(s.failures).toEqual({});
    expect(failed).not.toBe(s);
  });

  it('plans a re-probe of the better transport while connected with a worse one', () => {
    const s = recordFailure(createSelection(order), 'sse', 1000);
    expect(nextProbe(s, 'ws', policy)).toEqual({ transport: 'sse', at: 61_000 });
  });

  it('plans no re-probe when already on the best transport', () => {
    expect(nextProbe(createSelection(order), 'sse', policy)).toBeNull();
  });

  it('re-probes whichever better transport becomes eligible first', () => {
    let s = createSelection(order);
    s = recordFailure(s, 'sse', 0);
    s = recordFailure(s, 'sse', 10);
    s = recordFailure(s, 'ws', 20);
    expect(nextProbe(s, 'poll', policy)).toEqual({ transport: 'ws', at: 60_020 });
  });

  it('honours a custom order', () => {
    const s = createSelection(['poll', 'sse']);
    expect(chooseTransport(s, 0, policy).transport).toBe('poll');
    expect(nextProbe(recordFailure(s, 'poll', 0), 'sse', policy)?.transport).toBe('poll');
  });
});
