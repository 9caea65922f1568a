import { describe, expect, it } from 'vitest';
import { PollContinuations } from '../../../../src/http/limits/poll-continuations.js';

describe('PollContinuations', () => {
  it('lets a position it issued be redeemed once, by the address it was issued to', () => {
    const c = new PollContinuations({ now: () => 0 });
    c.issue('10.0.0.1', 'e1-5', 'any');
    expect(c.holds('10.0.0.2', 'e1-5', false)).toBe(false);
    expect(c.redeem('10.0.0.2', 'e1-5', false)).toBe(false);
    expect(c.holds('10.0.0.1', 'e1-4', false)).toBe(false);
    expect(c.holds('10.0.0.1', 'e1-5', false)).toBe(true);
    expect(c.redeem('10.0.0.1', 'e1-5', false)).toBe(true);
    // A replay of the same position is a new, counted connection.
    expect(c.redeem('10.0.0.1', 'e1-5', true)).toBe(false);
    expect(c.size).toBe(0);
  });

  it('lets a waiting pass (earned by a timeout=0 answer) serve only a poll that waits', () => {
    const c = new PollContinuations({ now: () => 0 });
    c.issue('a', 'e1-5', 'waiting');
    expect(c.holds('a', 'e1-5', false)).toBe(false);
    expect(c.redeem('a', 'e1-5', false)).toBe(false);
    expect(c.redeem('a', 'e1-5', true)).toBe(true);
    expect(c.redeem('a', 'e1-5', true)).toBe(false);
  });

  it('spends a waiting pass before an any pass when the poll waits', () => {
    const c = new PollContinuations({ now: () => 0 });
    c.issue('a', 'e1-5', 'any');
    c.issue('a', 'e1-5', 'waiting');
    expect(c.redeem('a', 'e1-5', true)).toBe(true);
    // The any pass is still there for a poll that does not wait.
    expect(c.redeem('a', 'e1-5', false)).toBe(true);
    expect(c.size).toBe(0);
  });

  it('counts answers with the same position to one address (clients behind one NAT at the same head)', () => {
    const c = new PollContinuations({ now: () => 0 });
    c.issue('10.0.0.1', 'e1-5', 'any');
    c.issue('10.0.0.1', 'e1-5', 'any');
    expect(c.redeem('10.0.0.1', 'e1-5', false)).toBe(true);
    expect(c.redeem('10.0.0.1', 'e1-5', false)).toBe(true);
    expect(c.redeem('10.0.0.1', 'e1-5', false)).toBe(false);
  });

  it('forgets positions after ttlMs', () => {
    let now = 0;
    const c = new PollContinuations({ ttlMs: 1000, now: () => now });
    c.issue('a', 'e1-1', 'any');
    c.issue('a', 'e1-2', 'any');
    now = 999;
    expect(c.holds('a', 'e1-1', false)).toBe(true);
    now = 1000;
    expect(c.holds('a', 'e1-1', true)).toBe(false);
    expect(c.redeem('a', 'e1-2', false)).toBe(false);
    // Expired entries are swept as new ones come.
    c.issue('a', 'e1-3', 'any');
    expect(c.size).toBe(1);
  });

  it('holds at most maxEntries, dropping the oldest', () => {
    const c = new PollContinuations({ maxEntries: 3, now: () => 0 });
    for (let i = 1; i <= 5; i++) c.issue('a', `e1-${i}`, 'any');
    expect(c.size).toBe(3);
    expect(c.holds('a', 'e1-2', false)).toBe(false);
    expect(c.holds('a', 'e1-3', false)).toBe(true);
    expect(c.holds('a', 'e1-5', false)).toBe(true);
  });
});
