import { describe, expect, it } from 'vitest';
import { refreshDelay, tokenExpiry } from '../src/token-expiry.js';

const jwt = (payload: unknown) =>
  `${btoa('{"alg":"HS256"}')}.${btoa(JSON.stringify(payload)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.sig`;

describe('tokenExpiry', () => {
  it('reads exp of a JWT in ms', () => {
    expect(tokenExpiry(jwt({ sub: 'a', exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
  });

  it('decodes base64url payloads whatever their padding', () => {
    for (const sub of ['a', 'ab', 'abc', 'é?>~']) expect(tokenExpiry(jwt({ sub, exp: 5 }))).toBe(5000);
  });

  it('is null for anything else', () => {
    for (const token of [null, '', 'opaque-key', 'a.b', 'a..c', jwt({ sub: 'a' }), jwt({ exp: '5' }), 'a.!!!.c'])
      expect(tokenExpiry(token)).toBeNull();
  });
});

describe('refreshDelay', () => {
  it('refreshes a fifth of the remaining life early, at most the lead', () => {
    expect(refreshDelay(10_000, 0, 30_000)).toBe(8_000);
    expect(refreshDelay(3_600_000, 0, 30_000)).toBe(3_570_000);
  });

  it('is 0 for a token already expired', () => {
    expect(refreshDelay(1_000, 2_000, 30_000)).toBe(0);
  });
});
