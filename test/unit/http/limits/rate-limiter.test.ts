import { describe, expect, it } from 'vitest';
import { LivegateError } from '../../../../src/errors.js';
import { RateLimiter } from '../../../../src/http/limits/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst of perSecond, then refuses with the wait until the next token', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 4, now: () => now, setting: 'limits.x' });
    for (let i = 0; i < 4; i++) expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(250);
    now += 250;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('b')).toBe(0);
  });

  it('throws rate_limited with Retry-After in whole seconds, naming the setting', () => {
    const limiter = new RateLimiter({ perSecond: 1, now: () => 0, setting: 'limits.publishesPerSecond' });
    limiter.check('k', 'publishes');
    try {
      limiter.check('k', 'publishes');
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(LivegateError);
      const e = err as LivegateError;
      expect(e.code).toBe('rate_limited');
      expect(e.status).toBe(429);
      expect(e.retryAfterSeconds).toBe(1);
      expect(e.message).toMatch(/limits\.publishesPerSecond/);
    }
  });

  it('is off at 0 and refuses negative rates at construction', () => {
    const off = new RateLimiter({ perSecond: 0, setting: 's' });
    for (let i = 0; i < 1000; i++) expect(off.take('a')).toBe(0);
    expect(off.size).toBe(0);
    expect(() => new RateLimiter({ perSecond: -1, setting: 'limits.connectsPerSecond' })).toThrow(
      /limits\.connectsPerSecond/,
    );
  });

  it('keeps at most maxKeys buckets, dropping refilled ones first', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 1, maxKeys: 100, now: () => now, setting: 's' });
    for (let i = 0; i < 1000; i++) {
      limiter.take(`k${i}`);
      now += 1;
    }
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});
