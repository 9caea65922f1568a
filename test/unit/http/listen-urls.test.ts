import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { listenUrls } from '../../../src/http/listen-urls.js';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null, scopeid: 0 }) as NetworkInterfaceInfo;

const MACHINE = {
  eth0: [iface('10.1.2.3', 'IPv4', false), iface('fe80::1', 'IPv6', false), iface('2001:db8::5', 'IPv6', false)],
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
};

describe('listenUrls', () => {
  it('expands 0.0.0.0 to every IPv4 interface address, loopback first', () => {
    expect(listenUrls('0.0.0.0', 8080, MACHINE)).toEqual(['http://127.0.0.1:8080', 'http://10.1.2.3:8080']);
  });

  it('expands :: to IPv4 and IPv6 addresses, leaving out link-local ones that need a zone id', () => {
    expect(listenUrls('::', 9000, MACHINE)).toEqual([
      'http://127.0.0.1:9000',
      'http://[::1]:9000',
      'http://10.1.2.3:9000',
      'http://[2001:db8::5]:9000',
    ]);
  });

  it('gives a specific address as it is, bracketing IPv6', () => {
    expect(listenUrls('127.0.0.1', 8080, MACHINE)).toEqual(['http://127.0.0.1:8080']);
    expect(listenUrls('::1', 8080, MACHINE)).toEqual(['http://[::1]:8080']);
  });

  it('falls back to loopback when the machine lists no interfaces', () => {
    expect(listenUrls('0.0.0.0', 1, {})).toEqual(['http://127.0.0.1:1']);
  });
});
