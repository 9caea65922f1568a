import { describe, expect, it } from 'vitest';
import { OriginPolicy } from '../../../src/http/origin-policy.js';

describe('OriginPolicy with no configured origins', () => {
  const policy = new OriginPolicy([]);

  it('allows requests without an Origin (non-browser clients)', () => {
    expect(policy.allows(undefined, 'livegate:8080')).toBe(true);
    expect(policy.allows('', 'livegate:8080')).toBe(true);
  });

  it.each([
    'http://localhost:3000',
    'http://localhost',
    'https://LOCALHOST:8443',
    'http://127.0.0.1:5173',
    'http://[::1]:8080',
    'http://dash.localhost:3000',
  ])('allows the loopback origin %s', (origin) => {
    expect(policy.allows(origin, 'livegate.example:8080')).toBe(true);
  });

  it('allows a same-origin page, comparing host and port', () => {
    expect(policy.allows('http://livegate.example:8080', 'livegate.example:8080')).toBe(true);
    expect(policy.allows('https://Livegate.Example', 'livegate.example')).toBe(true);
    expect(policy.allows('http://livegate.example:9090', 'livegate.example:8080')).toBe(false);
    expect(policy.allows('http://livegate.example:8080', undefined)).toBe(false);
  });

  it.each([
    'https://evil.example',
    'https://localhost.evil.example',
    'https://evil-localhost',
    'http://127.0.0.1.evil.example',
    'http://127.0.0.2',
    'null',
    'not a url',
    'file://',
  ])('refuses %s', (origin) => {
    expect(policy.allows(origin, 'livegate.example:8080')).toBe(false);
  });
});

describe('OriginPolicy with configured origins', () => {
  const policy = new OriginPolicy(['https://Dash.Example/', 'http://grafana.internal:3000']);

  it('allows a configured origin, ignoring case and a trailing slash in the config', () => {
    expect(policy.allows('https://dash.example', undefined)).toBe(true);
    expect(policy.allows('https://DASH.example', undefined)).toBe(true);
    expect(policy.allows('http://grafana.internal:3000', undefined)).toBe(true);
  });

  it('refuses the same host on another scheme or port', () => {
    expect(policy.allows('http://dash.example', undefined)).toBe(false);
    expect(policy.allows('https://dash.example:8443', undefined)).toBe(false);
    expect(policy.allows('http://grafana.internal', undefined)).toBe(false);
  });

  it('refuses a subdomain or a longer name of a configured origin', () => {
    expect(policy.allows('https://sub.dash.example', undefined)).toBe(false);
    expect(policy.allows('https://dash.example.evil', undefined)).toBe(false);
  });

  it('still allows loopback origins', () => {
    expect(policy.allows('http://localhost:3000', undefined)).toBe(true);
  });
});

describe('OriginPolicy with *', () => {
  it('allows every origin', () => {
    const policy = new OriginPolicy(['*']);
    expect(policy.allows('https://evil.example', undefined)).toBe(true);
    expect(policy.allows('null', undefined)).toBe(true);
  });
});
