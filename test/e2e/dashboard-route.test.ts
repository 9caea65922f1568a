/**
 * How livegate serves the dashboard: the built files at `/` with security headers, its own JSON
 * 404 everywhere else, and a clear 503 when the dashboard was never built.
 */
import Fastify from 'fastify';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DASHBOARD_DIR, registerDashboard } from '../../src/http/dashboard.js';
import type { LivegateServer } from '../../src/http/server.js';
import { startTestServer } from '../harness/livegate.js';
import { ensureDashboardBuilt } from './support.js';

describe('dashboard route', () => {
  let server: LivegateServer;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('serves index.html at / with a strict Content-Security-Policy', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain(`ws://${new URL(server.url).host}`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="app.js"></script>');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/); // no CDN
  });

  it('does not serve source maps, and the bundle does not point at them (issue 9, finding 8)', async () => {
    expect(existsSync(join(DEFAULT_DASHBOARD_DIR, 'app.js.map'))).toBe(true); // built, for local debugging
    for (const path of ['/app.js.map', '/app.css.map']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
    expect(await (await fetch(`${server.url}/app.js`)).text()).not.toContain('sourceMappingURL');
  });

  it('serves the bundle and its stylesheet', async () => {
    const js = await fetch(`${server.url}/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    const css = await fetch(`${server.url}/app.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).toContain('.uplot');
  });

  it('leaves other paths to the API: unknown ones get the JSON not_found', async () => {
    const res = await fetch(`${server.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /no/such/page' } });
    expect((await fetch(`${server.url}/api/v2/info`)).status).toBe(200);
  });

  it('answers / with a 503 JSON error naming the build command when the dashboard is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'livegate-no-dashboard-'));
    const app = Fastify();
    try {
      await registerDashboard(app, { root: empty });
      const res = await app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = res.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe('dashboard_not_built');
      expect(body.error.message).toContain('npm run build');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
