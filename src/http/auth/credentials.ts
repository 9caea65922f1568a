import type { IncomingHttpHeaders } from 'node:http';

/** The name of the cookie a browser may carry its token in. */
export const TOKEN_COOKIE = 'livegate_token';

/** What a request presents as a credential. */
export interface PresentedCredential {
  /** The token or key. */
  readonly secret: string;
  /** The user name, when it came as HTTP basic auth (password = the key). */
  readonly user?: string;
  /** Where it was found. */
  readonly from: 'bearer' | 'basic' | 'query' | 'cookie';
}

/** Longest credential read from a request; anything longer is still presented, to be refused by its checker. */
const MAX_SCAN = 64 * 1024;

/**
 * Finds the credential of a request: `Authorization: Bearer …`, `Authorization: Basic …` (what
 * Prometheus and Alertmanager send with `basic_auth`), the `access_token` query parameter (for
 * EventSource, which cannot set headers) or the `livegate_token` cookie, in that order.
 */
export function presentedCredential(
  headers: IncomingHttpHeaders,
  accessToken: string | undefined,
): PresentedCredential | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization !== '') {
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization.slice(0, MAX_SCAN));
    if (bearer !== null) return { secret: bearer[1]!, from: 'bearer' };
    const basic = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(authorization.slice(0, MAX_SCAN));
    if (basic !== null) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) return { secret: decoded.slice(colon + 1), user: decoded.slice(0, colon), from: 'basic' };
    }
    // An Authorization header of another scheme is a credential we cannot read: refuse, never ignore.
    return { secret: '', from: 'bearer' };
  }
  if (accessToken !== undefined && accessToken !== '') return { secret: accessToken, from: 'query' };
  const cookie = cookieValue(headers.cookie, TOKEN_COOKIE);
  if (cookie !== undefined && cookie !== '') return { secret: cookie, from: 'cookie' };
  return undefined;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.slice(0, MAX_SCAN).split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}
