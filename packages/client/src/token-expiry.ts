/**
 * When a bearer token stops being valid, read from its JWT `exp` claim without verifying it (the
 * server verifies; the client only needs to know when to fetch the next one).
 *
 * @module
 */

/** `exp` of a JWT in ms since the epoch, or `null` when the token is not a JWT or has no `exp`. */
export function tokenExpiry(token: string | null): number | null {
  if (token === null) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * How long before `expiresAt` to fetch the next token and move to it: a fifth of the time left,
 * at most `maxLeadMs`, so short-lived tokens are still used for most of their life.
 */
export function refreshDelay(expiresAt: number, now: number, maxLeadMs: number): number {
  const left = expiresAt - now;
  if (left <= 0) return 0;
  return Math.max(0, left - Math.min(maxLeadMs, left / 5));
}
