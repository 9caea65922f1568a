import { describe, expect, it } from 'vitest';
import { ClientIpResolver } from '../../../src/http/client-ip.js';

describe('ClientIpResolver without trusted proxies', () => {
  const resolver = new ClientIpResolver([]);

  it('turns an IPv4-mapped IPv6 peer into its IPv4 address', () => {
    expect(resolver.resolve('::ffff:10.0.0.1', undefined)).toBe('10.0.0.1');
    expect(resolver.resolve('::ffff:127.0.0.1', undefined)).toBe('127.0.0.1');
  });

  it('keeps plain IPv4 and IPv6 peers as they are', () => {
    expect(resolver.resolve('192.0.2.7', undefined)).toBe('192.0.2.7');
    expect(resolver.resolve('::1', undefined)).toBe('::1');
    expect(resolver.resolve('2001:db8::1', undefined)).toBe('2001:db8::1');
  });

  it('does not unwrap a mapped-looking address that is not IPv4 inside', () => {
    expect(resolver.resolve('::ffff:abcd', undefined)).toBe('::ffff:abcd');
  });

  it('calls a peer without an address "unknown"', () => {
    expect(resolver.resolve(undefined, undefined)).toBe('unknown');
  });

  it('ignores X-Forwarded-For entirely', () => {
    expect(resolver.resolve('127.0.0.1', '10.1.1.1')).toBe('127.0.0.1');
    expect(resolver.resolve('::ffff:127.0.0.1', ['10.1.1.1', '10.2.2.2'])).toBe('127.0.0.1');
  });
});

describe('ClientIpResolver with trusted proxies', () => {
  const resolver = new ClientIpResolver(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);

  it('believes X-Forwarded-For from a trusted peer', () => {
    expect(resolver.resolve('127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
  });

  it('recognises a trusted peer given in IPv4-mapped form', () => {
    expect(resolver.resolve('::ffff:127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(resolver.resolve('192.0.2.1', '203.0.113.9')).toBe('192.0.2.1');
    expect(resolver.resolve('127.0.0.2', '203.0.113.9')).toBe('127.0.0.2');
  });

  it('uses the peer when a trusted proxy sends no X-Forwarded-For', () => {
    expect(resolver.resolve('127.0.0.1', undefined)).toBe('127.0.0.1');
  });

  it('takes the right-most address that is not a trusted proxy, ignoring what the client wrote further left', () => {
    expect(resolver.resolve('127.0.0.1', '198.51.100.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(resolver.resolve('127.0.0.1', '198.51.100.1, 203.0.113.9, 10.0.0.5')).toBe('203.0.113.9');
    expect(resolver.resolve('10.1.2.3', '203.0.113.9, 10.9.9.9, 10.8.8.8')).toBe('203.0.113.9');
  });

  it('joins repeated X-Forwarded-For headers in order', () => {
    expect(resolver.resolve('127.0.0.1', ['198.51.100.1', '203.0.113.9, 10.0.0.1'])).toBe('203.0.113.9');
  });

  it('trusts every address of a CIDR, IPv4 and IPv6', () => {
    expect(resolver.resolve('10.255.255.254', '203.0.113.9')).toBe('203.0.113.9');
    expect(resolver.resolve('11.0.0.1', '203.0.113.9')).toBe('11.0.0.1');
    expect(resolver.resolve('fd12:3456::1', '2001:db8::9')).toBe('2001:db8::9');
    expect(resolver.resolve('fe80::1', '2001:db8::9')).toBe('fe80::1');
  });

  it('normalises IPv4-mapped addresses inside X-Forwarded-For', () => {
    expect(resolver.resolve('127.0.0.1', '::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(resolver.resolve('127.0.0.1', '203.0.113.9, ::ffff:10.0.0.1')).toBe('203.0.113.9');
  });

  it('returns the left-most address when every hop is a trusted proxy', () => {
    expect(resolver.resolve('127.0.0.1', '10.0.0.1, 10.0.0.2')).toBe('10.0.0.1');
  });

  it('skips garbage entries and falls back to the peer when nothing is left', () => {
    expect(resolver.resolve('127.0.0.1', 'garbage')).toBe('127.0.0.1');
    expect(resolver.resolve('127.0.0.1', '')).toBe('127.0.0.1');
    expect(resolver.resolve('127.0.0.1', ' , ,')).toBe('127.0.0.1');
    expect(resolver.resolve('127.0.0.1', 'unknown, 203.0.113.9, <script>')).toBe('203.0.113.9');
    // Ports and brackets are not part of an address in X-Forwarded-For.
    expect(resolver.resolve('127.0.0.1', '203.0.113.9:4711')).toBe('127.0.0.1');
    expect(resolver.resolve('127.0.0.1', '[2001:db8::9]')).toBe('127.0.0.1');
    expect(resolver.resolve('127.0.0.1', `${'9'.repeat(10_000)}, 203.0.113.9`)).toBe('203.0.113.9');
  });

  it('trusts a proxy configured in IPv4-mapped IPv6 form', () => {
    expect(new ClientIpResolver(['::ffff:127.0.0.1']).resolve('127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
  });
});
