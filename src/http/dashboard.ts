/**
 * Serves the dashboard (built from `web/` into `web/dist` by `npm run build`) at `/` with
 * `@fastify/static`. Only the files present when the server starts get routes, so every other
 * path keeps livegate's own JSON `not_found`; without a build, `/` answers `503` saying what to
 * run instead of an empty page.
 */
import { LivegateError } from '../errors.js';
import { sendError } from './error-handler.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Options of {@link registerDashboard}. */
export interface DashboardOptions {
  /** Directory holding the built dashboard (`index.html`, `app.js`, `app.css`). Defaults to {@link DEFAULT_DASHBOARD_DIR}. */
  readonly root?: string;
}

/** The package root: the nearest folder above this file whose package.json is livegate's. */
function packageRoot(): string {
  // `src/http/dashboard.ts` when run from source, `dist/src/http/dashboard.js` when built.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'livegate') return dir;
      } catch {
        // Not readable JSON: keep looking upwards.
      }
    }
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** `<package>/web/dist`, where `npm run build` (`node web/build.mjs`) writes the dashboard. */
export const DEFAULT_DASHBOARD_DIR: string = join(packageRoot(), 'web', 'dist');

/**
 * Content-Security-Policy of the dashboard: its own scripts and styles only, and connections back
 * to the same server (`ws:`/`wss:` named explicitly, for browsers whose `'self'` does not cover them).
 */
function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host !== undefined && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function setSecurityHeaders(reply: FastifyReply): void {
  void reply.header('content-security-policy', contentSecurityPolicy(reply.request.headers.host));
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('referrer-policy', 'no-referrer');
  // File names carry no hash: let browsers keep them but revalidate (ETag) on every load.
  void reply.header('cache-control', 'no-cache');
}

/**
 * Registers the dashboard routes: `/` (index.html) and each built file at its name. Register it
 * after the API routes; it adds no wildcard route, so it cannot shadow them.
 */
export async function registerDashboard(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const root = options.root ?? DEFAULT_DASHBOARD_DIR;
  if (!existsSync(join(root, 'index.html'))) {
    const message = `the dashboard is not built (${join(root, 'index.html')} is missing): run \`npm run build\`, then restart livegate`;
    // Rendered here, not by throwing: the plugin also serves on an app without livegate's error
    // handler. Not retryable, so no Retry-After is computed (hence 0).
    const error = new LivegateError('dashboard_not_built', message);
    app.get('/', (_request, reply) => sendError(reply, error, 0));
    return;
  }
  // An encapsulated scope, so the security headers hook covers exactly the dashboard's files.
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (_request, reply) => setSecurityHeaders(reply));
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      // One route per file found now, instead of `/*`: unknown paths stay livegate's JSON 404.
      wildcard: false,
      index: 'index.html',
      decorateReply: false,
      cacheControl: false,
      dotfiles: 'ignore',
      // Source maps stay on disk for debugging a build locally; served, they hand out the
      // dashboard's full source (issue 9, finding 8).
      allowedPath: (pathName: string) => !pathName.endsWith('.map'),
    });
  });
}
