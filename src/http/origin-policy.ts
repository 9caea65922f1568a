/**
 * One allow-list for browser origins, used for CORS and for the WebSocket `Origin` check.
 * Allowed: requests without an Origin (non-browser clients), same-origin requests, any localhost
 * or loopback origin, and the configured origins (`*` allows all).
 */
export class OriginPolicy {
  private readonly allowed: Set<string>;
  private readonly any: boolean;

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.allowed = new Set(origins.filter((o) => o !== '*').map((o) => o.replace(/\/+$/, '').toLowerCase()));
  }

  /** Whether a request with this Origin (and Host) is allowed. */
  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || origin === '') return true;
    if (this.any) return true;
    const normalized = origin.toLowerCase();
    if (this.allowed.has(normalized)) return true;
    let url: URL;
    try {
      url = new URL(normalized);
    } catch {
      return false;
    }
    if (host !== undefined && url.host === host.toLowerCase()) return true;
    return (
      url.hostname === 'localhost' ||
      url.hostname === '127.0.0.1' ||
      url.hostname === '[::1]' ||
      url.hostname.endsWith('.localhost')
    );
  }
}
