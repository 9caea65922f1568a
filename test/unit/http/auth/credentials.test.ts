import { describe, expect, it } from 'vitest';
import { AddressList, isLoopback } from '../../../../src/http/auth/address-list.js';
import { presentedCredential, TOKEN_COOKIE } from '../../../../src/http/auth/credentials.js';
import { PublishKeys, sha256Hex } from '../../../../src/http/auth/publish-keys.js';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('presentedCredential', () => {
  it('reads a bearer token, case-insensitively and with trailing blanks', () => {
    expect(presentedCredential({ authorization: 'Bearer abc.def' }, undefined)).toEqual({
      secret: 'abc.def',
      from: 'bearer',
    });
    expect(presentedCredential({ authorization: 'bearer   tok \t' }, undefined)).toEqual({
      secret: 'tok',
      from: 'bearer',
    });
  });

  it('reads basic auth as user and key (what Prometheus and Alertmanager send), keeping colons in the key', () => {
    expect(presentedCredential({ authorization: basic('ci', 'k:e:y') }, undefined)).toEqual({
      secret: 'k:e:y',
      user: 'ci',
      from: 'basic',
    });
  });

  it('refuses, never ignores, an Authorization header it cannot read', () => {
    for (const authorization of ['Digest x=1', 'Bearer', 'Bearer a b', basic('nocolon', '').replace(/=+$/, '@')])
      expect(presentedCredential({ authorization }, 'query-token'), authorization).toEqual({
        secret: '',
        from: 'bearer',
      });
    // Base64 of a text without a colon is not user:key either.
    expect(
      presentedCredential({ authorization: `Basic ${Buffer.from('justakey').toString('base64')}` }, undefined),
    ).toEqual({ secret: '', from: 'bearer' });
  });

  it('falls back to the access_token query parameter, then the cookie, in that order', () => {
    const cookie = `a=1; ${TOKEN_COOKIE}=c%20ookie; b=2`;
    expect(presentedCredential({ cookie }, 'q')).toEqual({ secret: 'q', from: 'query' });
    expect(presentedCredential({ cookie }, undefined)).toEqual({ secret: 'c ookie', from: 'cookie' });
    expect(presentedCredential({ cookie }, '')).toEqual({ secret: 'c ookie', from: 'cookie' });
    expect(presentedCredential({ authorization: 'Bearer h', cookie }, 'q')).toEqual({ secret: 'h', from: 'bearer' });
  });

  it('presents nothing when nothing is there, and keeps a cookie value that is not valid URI encoding', () => {
    expect(presentedCredential({}, undefined)).toBeUndefined();
    expect(presentedCredential({ cookie: 'other=1', authorization: '' }, undefined)).toBeUndefined();
    expect(presentedCredential({ cookie: `${TOKEN_COOKIE}=%E0%A4%A` }, undefined)).toEqual({
      secret: '%E0%A4%A',
      from: 'cookie',
    });
  });
});

describe('PublishKeys', () => {
  const keys = new PublishKeys([
    { name: 'ci', sha256: sha256Hex('ci-secret'), topics: ['deploys', 'jobs*'] },
    { name: 'ops', sha256: sha256Hex('ops-secret').toUpperCase(), topics: ['x'], admin: true },
  ]);

  it('finds a key by the digest of what is presented, with its grants', () => {
    expect(keys.size).toBe(2);
    const ci = keys.find('ci-secret');
    expect(ci).toMatchObject({ id: 'ci', kind: 'key' });
    expect(keys.find('ops-secret')).toMatchObject({ id: 'ops' });
    expect(keys.find('ci-secret ')).toBeUndefined();
    expect(keys.find('')).toBeUndefined();
  });

  it('with basic auth, the user must be the key name', () => {
    expect(keys.find('ci-secret', 'ci')).toMatchObject({ id: 'ci' });
    expect(keys.find('ci-secret', 'ops')).toBeUndefined();
    expect(keys.find('ci-secret', '')).toMatchObject({ id: 'ci' });
  });

  it('refuses a malformed digest, a repeated name or digest, naming the entry', () => {
    const ok = { name: 'a', sha256: sha256Hex('a'), topics: ['t'] };
    expect(() => new PublishKeys([{ ...ok, sha256: 'abc' }])).toThrow(
      'auth.publishKeys[0].sha256 must be 64 hex digits',
    );
    expect(() => new PublishKeys([ok, { ...ok, sha256: sha256Hex('b') }])).toThrow(
      'auth.publishKeys[1].name "a" is used twice',
    );
    expect(() => new PublishKeys([ok, { ...ok, name: 'b' }])).toThrow(
      "auth.publishKeys[1].sha256 is the same as another key's",
    );
  });

  it('hashes like sha256sum', () => {
    // printf %s abc | sha256sum
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('AddressList', () => {
  const list = new AddressList(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);

  it('matches addresses and ranges of both families, and IPv4-mapped IPv6 as its IPv4 address', () => {
    expect(list.has('10.200.3.4')).toBe(true);
    expect(list.has('::ffff:10.1.1.1')).toBe(true);
    expect(list.has('192.168.1.7')).toBe(true);
    expect(list.has('192.168.1.8')).toBe(false);
    expect(list.has('fd12::1')).toBe(true);
    expect(list.has('fe80::1')).toBe(false);
    expect(list.has('not an address')).toBe(false);
  });

  it('refuses an entry that is not an address or range, naming the setting and index', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0/8/1', 'host.example', 'fd00::/129', '10.0.0.0/x'])
      expect(() => new AddressList(['127.0.0.1', bad]), bad).toThrow(`auth.writeAllowFrom[1] ${JSON.stringify(bad)}`);
  });

  it('knows loopback: all of 127/8 and ::1, mapped or not', () => {
    for (const a of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a), a).toBe(true);
    for (const a of ['128.0.0.1', '::2', '10.0.0.1', '']) expect(isLoopback(a), a).toBe(false);
  });
});
