import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthGate } from '../../../../src/http/auth/auth-gate.js';
import { installAccessControl, tagRoutes } from '../../../../src/http/auth/access-hook.js';
import { PublishKeys, sha256Hex } from '../../../../src/http/auth/publish-keys.js';
import { ClientIpResolver } from '../../../../src/http/client-ip.js';
import { installErrorHandling } from '../../../../src/http/error-handler.js';
import { RateLimiter } from '../../../../src/http/limits/rate-limiter.js';
import { pino } from 'pino';

const REMOTE = { 'x-forwarded-for': '203.0.113.5' };

describe('the access hook', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    app = Fastify();
    installErrorHandling(app, 5, pino({ level: 'silent' }));
    const resolver = new ClientIpResolver(['127.0.0.1']);
    installAccessControl(app, {
      gate: new AuthGate({
        publishKeys: new PublishKeys([{ name: 'ci', sha256: sha256Hex('k'), topics: ['deploys'] }]),
      }),
      clientIp: (r) => resolver.resolve(r.socket.remoteAddress, r.headers['x-forwarded-for']),
      writeLimiter: new RateLimiter({ perSecond: 3, setting: 'limits.publishesPerSecond' }),
    });
    app.get('/read', async (r) => ({ principal: r.principal?.id, ip: r.clientIp }));
    app.post('/untagged', async () => ({ ok: true }));
    app.post('/deploys', { config: { access: 'write', writesTopics: ['deploys'] } }, async () => ({ ok: true }));
    app.post('/alerts', { config: { access: 'write', writesTopics: ['alerts'] } }, async () => ({ ok: true }));
    app.delete('/admin', { config: { access: 'admin' } }, async () => ({ ok: true }));
    await app.register(async (child) => {
      tagRoutes(child, 'public');
      child.get('/page', async () => 'page');
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  const call = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, { method, headers });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null, res };
  };

  it('resolves the principal and client address for read routes', async () => {
    expect((await call('GET', '/read', REMOTE)).body).toEqual({ principal: 'anonymous', ip: '203.0.113.5' });
  });

  it('treats untagged non-GET routes as writes', async () => {
    const { status, body } = await call('POST', '/untagged', REMOTE);
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('checks the topics a write route declares', async () => {
    expect((await call('POST', '/deploys', { ...REMOTE, authorization: 'Bearer k' })).status).toBe(200);
    expect((await call('POST', '/alerts', { ...REMOTE, authorization: 'Bearer k' })).status).toBe(403);
    expect((await call('DELETE', '/admin', { ...REMOTE, authorization: 'Bearer k' })).status).toBe(403);
  });

  it('rate-limits writes per key with 429 and Retry-After', async () => {
    let refused: Response | undefined;
    for (let i = 0; i < 6 && refused === undefined; i++) {
      const r = await call('POST', '/deploys', { authorization: 'Bearer k' });
      if (r.status === 429) {
        refused = r.res;
        expect(r.body).toMatchObject({ error: { code: 'rate_limited' } });
      }
    }
    expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('leaves public routes and unknown URLs alone', async () => {
    expect((await fetch(`${url}/page`, { headers: REMOTE })).status).toBe(200);
    expect((await call('POST', '/nope', REMOTE)).status).toBe(404);
  });
});
