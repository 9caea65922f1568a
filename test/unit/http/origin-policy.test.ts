import { describe, expect, it } from 'vitest';
import { OriginPolicy } from '../../../src/http/origin-policy.js';

/** A policy as the server builds it: listening on 8080, on a machine with one LAN address. */
function policy(origins: readonly string[] = []): OriginPolicy {
  const p = new OriginPolicy(origins, ['127.0.0.1', '::1', '192.168.1.20', 'fe80::1']);
  p.listeningOn(8080);
  return p;
}

describe('OriginPolicy with no configured origins', () => {
  const p = policy();

  it('allows requests without an Origin (non-browser clients)', () => {
    expect(p.allows(undefined)).toBe(true);
    expect(p.allows('')).toBe(true);
  });

  it.each([
    'http://localhost:8080',
    'https://LOCALHOST:8080',
    'http://127.0.0.1:8080',
    'http://[::1]:8080',
    'http://192.168.1.20:8080',
    'http://[fe80::1]:8080',
  ])('allows its own origin %s (a page livegate served, on its own port)', (origin) => {
    expect(p.allows(origin)).toBe(true);
  });

  it.each([
    // DNS rebinding: the hostile page's name, whatever the Host header says.
    'http://evil.example:8080',
    'http://livegate.example:8080',
    // Other local programs (dev servers) and *.localhost names are not livegate.
    'http://localhost:3000',
    'http://127.0.0.1:5173',
    'http://localhost',
    'http://dash.localhost:8080',
    'http://192.168.1.21:8080',
    'http://127.0.0.2:8080',
    'https://evil.example',
    'https://localhost.evil.example:8080',
    'http://127.0.0.1.evil.example:8080',
    'null',
    'not a url',
    'file://',
  ])('refuses %s', (origin) => {
    expect(p.allows(origin)).toBe(false);
  });

  it('trusts nothing of its own before it knows its port', () => {
    const early = new OriginPolicy([], ['127.0.0.1']);
    expect(early.allows('http://localhost:8080')).toBe(false);
  });

  it('compares an own origin without a port with the default port of its scheme', () => {
    const onDefault = new OriginPolicy([], []);
    onDefault.listeningOn(80);
    expect(onDefault.allows('http://localhost')).toBe(true);
    expect(onDefault.allows('https://localhost')).toBe(false);
  });
});

describe('OriginPolicy with configured origins', () => {
  const p = policy(['https://Dash.Example/', 'http://grafana.internal:3000', 'https://status.example:443']);

  it('allows a configured origin, ignoring case, a trailing slash and a default port in the config', () => {
    expect(p.allows('https://dash.example')).toBe(true);
    expect(p.allows('https://DASH.example')).toBe(true);
    expect(p.allows('http://grafana.internal:3000')).toBe(true);
    expect(p.allows('https://status.example')).toBe(true);
  });

  it('refuses the same host on another scheme or port', () => {
    expect(p.allows('http://dash.example')).toBe(false);
    expect(p.allows('https://dash.example:8443')).toBe(false);
    expect(p.allows('http://grafana.internal')).toBe(false);
  });

  it('refuses a subdomain or a longer name of a configured origin', () => {
    expect(p.allows('https://sub.dash.example')).toBe(false);
    expect(p.allows('https://dash.example.evil')).toBe(false);
  });

  it('still allows its own origin', () => {
    expect(p.allows('http://localhost:8080')).toBe(true);
  });
});

describe('OriginPolicy with *', () => {
  it('allows every origin', () => {
    const p = new OriginPolicy(['*'], []);
    expect(p.allows('https://evil.example')).toBe(true);
    expect(p.allows('null')).toBe(true);
  });
});
