import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Names a browser always resolves to this machine (never through DNS). */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * One explicit allow-list for browser origins, used for CORS and for the `Origin` check of SSE,
 * long-poll and the WebSocket handshake. Allowed:
 *
 * - requests without an `Origin` (non-browser clients);
 * - the configured origins (`cors.origins`; `*` allows all);
 * - livegate's own origin as a page it served would have it: `localhost`, `127.0.0.1`, `[::1]` or
 *   an IP address of one of this machine's interfaces, on the port livegate listens on.
 *
 * The `Host` header is never evidence: after DNS rebinding a hostile page's requests carry its own
 * name in both `Origin` and `Host`. An origin naming livegate by a DNS name (`https://livegate.corp`,
 * a proxy in front of it) must be listed. No other loopback port, and no `*.localhost`, is trusted
 * by default: any local program (a dev server on :3000) could serve a page there.
 */
export class OriginPolicy {
  private readonly allowed: Set<string>;
  private readonly any: boolean;
  private ownPort: string | null = null;
  private readonly ownAddresses: Set<string>;

  /**
   * @param origins the configured allow-list (`cors.origins`).
   * @param addresses this machine's IP addresses (defaults to those of its network interfaces).
   */
  constructor(origins: readonly string[], addresses: readonly string[] = interfaceAddresses()) {
    this.any = origins.includes('*');
    this.allowed = new Set(origins.filter((o) => o !== '*').map(normalizeOrigin));
    this.ownAddresses = new Set([...LOOPBACK_NAMES, ...addresses.map((a) => (isIP(a) === 6 ? `[${a}]` : a))]);
  }

  /** Tells the policy the port livegate listens on (known after `listen`), which makes its own origin. */
  listeningOn(port: number): void {
    this.ownPort = String(port);
  }

  /** Whether a request with this `Origin` header is allowed. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined || origin === '') return true;
    if (this.any) return true;
    const normalized = normalizeOrigin(origin);
    if (this.allowed.has(normalized)) return true;
    if (this.ownPort === null) return false;
    let url: URL;
    try {
      url = new URL(normalized);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
    return port === this.ownPort && this.ownAddresses.has(url.hostname);
  }
}

/** `HTTPS://Dash.Example:443/` → `https://dash.example`: how browsers write an origin. */
function normalizeOrigin(origin: string): string {
  const trimmed = origin.trim().replace(/\/+$/, '').toLowerCase();
  try {
    const url = new URL(trimmed);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  } catch {
    // Not a URL (e.g. `null`): compared as written.
  }
  return trimmed;
}

/** Every IP address of this machine's network interfaces (IPv6 zone ids dropped). */
function interfaceAddresses(): string[] {
  const addresses: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) addresses.push(entry.address.split('%')[0]!);
  }
  return addresses;
}
