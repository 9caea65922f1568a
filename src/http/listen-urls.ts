/**
 * The URLs a listening server can be reached at, for the start-up log: a wildcard address
 * (`0.0.0.0`, `::`) is expanded to the machine's own interface addresses, so an operator sees at
 * once whether the server is exposed beyond this machine.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** Reachable `http://` URLs for a server bound to `host` on `port`; loopback first. */
export function listenUrls(
  host: string,
  port: number,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
  scheme: 'http' | 'https' = 'http',
): string[] {
  const format = (address: string): string => `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const wildcardV4 = host === '0.0.0.0';
  const wildcardV6 = host === '::';
  if (!wildcardV4 && !wildcardV6) return [format(host)];
  const addresses = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    // `::` also accepts IPv4 on dual-stack systems; link-local IPv6 needs a zone id, so it is left out.
    .filter((i) => i.family === 'IPv4' || (wildcardV6 && !i.address.toLowerCase().startsWith('fe80:')))
    .sort((a, b) => Number(b.internal) - Number(a.internal))
    .map((i) => i.address);
  const unique = [...new Set(addresses)];
  return unique.length > 0 ? unique.map(format) : [format(wildcardV4 ? '127.0.0.1' : '::1')];
}
