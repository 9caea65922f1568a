import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../core/principal.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Access } from '../../sources/source.js';
import type { AuthGate } from './auth-gate.js';

// The route config (`access`, `writesTopics`) is declared with the Source seam (sources/source.ts).
declare module 'fastify' {
  interface FastifyRequest {
    /** The principal the access hook resolved; `null` on `public` routes and unmatched URLs. */
    principal: Principal | null;
    /** The client address, resolved through trusted proxies. */
    clientIp: string;
  }
}

/** Options of {@link installAccessControl}. */
export interface AccessControlOptions {
  readonly gate: AuthGate;
  /** The client address of a request (through trusted proxies). */
  readonly clientIp: (request: FastifyRequest) => string;
  /** Limits writes per publisher key, token subject or address (`limits.publishesPerSecond`). Defaults to none. */
  readonly writeLimiter?: RateLimiter;
}

/**
 * Enforces every route's `config.access` in one `onRequest` hook, before the body is read: routes
 * (including those other features add) only tag themselves, e.g.
 * `app.post('/api/v2/silences', { config: { access: 'write' } }, handler)`. The resolved principal
 * is left on `request.principal` for handlers that narrow further (topics, tenancy).
 */
export function installAccessControl(app: FastifyInstance, options: AccessControlOptions): void {
  const { gate, writeLimiter } = options;
  app.decorateRequest('principal', null);
  app.decorateRequest('clientIp', '');
  app.addHook('onRequest', async (request) => {
    request.clientIp = options.clientIp(request);
    const access = accessOf(request);
    if (access === 'public') return;
    const principal = await gate.require(
      { headers: request.headers, accessToken: accessTokenOf(request), ip: request.clientIp },
      access,
      request.routeOptions.config.writesTopics,
    );
    request.principal = principal;
    if (access === 'write' && writeLimiter !== undefined && principal !== null) {
      writeLimiter.check(rateKey(principal, request.clientIp), 'writes');
    }
  });
}

/** The access a request needs: the route's tag, else by method; unmatched URLs and preflights are public. */
function accessOf(request: FastifyRequest): Access {
  if (request.routeOptions.url === undefined || request.method === 'OPTIONS') return 'public';
  const tagged = request.routeOptions.config.access;
  if (tagged !== undefined) return tagged;
  return request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write';
}

function accessTokenOf(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  const value = query?.['access_token'];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[value.length - 1] === 'string') return value[value.length - 1] as string;
  return undefined;
}

/** Writes are counted per publisher key or token subject; without credentials, per client address. */
export function rateKey(principal: Principal, ip: string): string {
  if (principal.kind === 'key') return `key:${principal.id}`;
  if (principal.kind === 'jwt') return `sub:${principal.subject}`;
  return `ip:${ip}`;
}

/**
 * Marks every route registered inside `app` (an encapsulated plugin) as `access`, e.g. the
 * dashboard's static files as `public` so a browser can load it before it has a token.
 */
export function tagRoutes(app: FastifyInstance, access: Access): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), access: route.config?.access ?? access };
  });
}
