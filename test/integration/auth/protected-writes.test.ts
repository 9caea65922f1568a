/**
 * Protected writes, the default: without credentials configured only loopback and
 * `auth.writeAllowFrom` may write. The client address comes through a trusted proxy's
 * `X-Forwarded-For` naming a documentation address (203.0.113.5): every 127.x address is loopback
 * and would prove nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../../src/http/server.js';
import { sha256Hex } from '../../../src/http/auth/publish-keys.js';
import { startTestServer } from '../../harness/livegate.js';

const REMOTE = { 'x-forwarded-for': '203.0.113.5' };
const DRAFT = JSON.stringify({ topic: 'deploys', type: 'deployed' });
const ALERT = JSON.stringify([{ labels: { alertname: 'Fake', severity: 'critical' } }]);
const SILENCE = JSON.stringify({
  matchers: [{ name: 'alertname', value: 'Fake', isRegex: false }],
  startsAt: new Date().toISOString(),
  endsAt: new Date(Date.now() + 60_000).toISOString(),
  createdBy: 'x',
  comment: 'x',
});

interface Answer {
  status: number;
  code: string | undefined;
  message: string;
  headers: Headers;
}

async function call(
  server: LivegateServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let json: { error?: { code?: string; message?: string } } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // not JSON
  }
  return { status: res.status, code: json.error?.code, message: json.error?.message ?? '', headers: res.headers };
}

/** Every write endpoint: publish, alert ingest, Alertmanager-compatible silences, admin. */
const WRITES: readonly [string, string, string | undefined][] = [
  ['POST', '/api/v2/events', DRAFT],
  ['POST', '/api/v2/alerts', ALERT],
  ['POST', '/api/v2/silences', SILENCE],
  ['DELETE', '/api/v2/silence/abc', undefined],
  ['GET', '/api/v2/connections', undefined],
  ['DELETE', '/api/v2/connections/c1', undefined],
  ['GET', '/api/v1/metrics/stream/status', undefined],
];

describe('protected writes with no credentials configured', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    server = await startTestServer({ trustedProxies: ['127.0.0.1'], stats: { intervalMs: 0 } });
  });
  afterAll(() => server.close());

  for (const [method, path, body] of WRITES) {
    it(`refuses ${method} ${path} from 203.0.113.5 with 403 write_forbidden naming auth.writeAllowFrom`, async () => {
      const head = server.hub.head;
      const answer = await call(server, method, path, REMOTE, body);
      if (path.startsWith('/api/v1/metrics') && answer.status === 404) return; // PromQL streams are off here
      expect(answer.status).toBe(403);
      expect(answer.code).toBe('write_forbidden');
      expect(answer.message).toContain('auth.writeAllowFrom');
      expect(answer.message).toContain('203.0.113.5');
      expect(server.hub.head).toBe(head);
    });
  }

  it('lets the same address read', async () => {
    const answer = await call(server, 'GET', '/api/v2/events/poll?topics=deploys&timeout=0', REMOTE);
    expect(answer.status).toBe(200);
  });

  it('lets loopback write', async () => {
    expect((await call(server, 'POST', '/api/v2/events', {}, DRAFT)).status).toBe(202);
    expect((await call(server, 'POST', '/api/v2/alerts', {}, ALERT)).status).toBe(200);
    expect((await call(server, 'GET', '/api/v2/connections', {})).status).toBe(200);
  });

  it('does not believe X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const plain = await startTestServer({ stats: { intervalMs: 0 } });
    try {
      // The peer is loopback and untrusted: the header is ignored, so this is a loopback write.
      expect((await call(plain, 'POST', '/api/v2/events', REMOTE, DRAFT)).status).toBe(202);
    } finally {
      await plain.close();
    }
  });
});

describe('auth.writeAllowFrom', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    server = await startTestServer({
      trustedProxies: ['127.0.0.1'],
      auth: { writeAllowFrom: ['203.0.113.0/24'] },
      stats: { intervalMs: 0 },
    });
  });
  afterAll(() => server.close());

  it('opens every write to the listed network', async () => {
    expect((await call(server, 'POST', '/api/v2/events', REMOTE, DRAFT)).status).toBe(202);
    expect((await call(server, 'POST', '/api/v2/alerts', REMOTE, ALERT)).status).toBe(200);
    expect((await call(server, 'GET', '/api/v2/connections', REMOTE)).status).toBe(200);
  });

  it('keeps other addresses out', async () => {
    const answer = await call(server, 'POST', '/api/v2/events', { 'x-forwarded-for': '198.51.100.7' }, DRAFT);
    expect([answer.status, answer.code]).toEqual([403, 'write_forbidden']);
  });
});

describe('publisher keys', () => {
  let server: LivegateServer;
  const basic = (user: string, key: string) => `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`;
  beforeAll(async () => {
    server = await startTestServer({
      trustedProxies: ['127.0.0.1'],
      auth: {
        publishKeys: [
          { name: 'prometheus', sha256: sha256Hex('prom-key-1'), topics: ['alerts'] },
          { name: 'ci', sha256: sha256Hex('ci-key-1'), topics: ['deploys*'] },
          { name: 'ops', sha256: sha256Hex('ops-key-1'), topics: ['*'], admin: true },
        ],
      },
      stats: { intervalMs: 0 },
    });
  });
  afterAll(() => server.close());

  it('let a key publish its topics from anywhere, as a bearer token', async () => {
    expect(
      (await call(server, 'POST', '/api/v2/events', { ...REMOTE, authorization: 'Bearer ci-key-1' }, DRAFT)).status,
    ).toBe(202);
  });

  it('refuse a key another topic with 403 forbidden', async () => {
    const answer = await call(
      server,
      'POST',
      '/api/v2/events',
      { authorization: 'Bearer ci-key-1' },
      JSON.stringify({ topic: 'billing', type: 'x' }),
    );
    expect([answer.status, answer.code]).toEqual([403, 'forbidden']);
    const ingest = await call(server, 'POST', '/api/v2/alerts', { authorization: 'Bearer ci-key-1' }, ALERT);
    expect([ingest.status, ingest.code]).toEqual([403, 'forbidden']);
  });

  it('accept basic auth (name:key) and bearer on the alert ingest, as Prometheus sends them', async () => {
    expect(
      (
        await call(
          server,
          'POST',
          '/api/v2/alerts',
          { ...REMOTE, authorization: basic('prometheus', 'prom-key-1') },
          ALERT,
        )
      ).status,
    ).toBe(200);
    expect(
      (await call(server, 'POST', '/api/v2/alerts', { ...REMOTE, authorization: 'Bearer prom-key-1' }, ALERT)).status,
    ).toBe(200);
    const wrongUser = await call(server, 'POST', '/api/v2/alerts', { authorization: basic('ci', 'prom-key-1') }, ALERT);
    expect([wrongUser.status, wrongUser.code]).toEqual([401, 'invalid_token']);
  });

  it('make loopback present a credential once keys are configured', async () => {
    const answer = await call(server, 'POST', '/api/v2/events', {}, DRAFT);
    expect([answer.status, answer.code]).toEqual([401, 'unauthorized']);
  });

  it('open the admin endpoints only to a key marked admin', async () => {
    expect(
      (await call(server, 'GET', '/api/v2/connections', { ...REMOTE, authorization: 'Bearer ops-key-1' })).status,
    ).toBe(200);
    const answer = await call(server, 'GET', '/api/v2/connections', { authorization: 'Bearer ci-key-1' });
    expect([answer.status, answer.code]).toEqual([403, 'forbidden']);
  });

  it('refuse an unknown key with 401 invalid_token, never treating it as anonymous', async () => {
    const answer = await call(server, 'POST', '/api/v2/events', { authorization: 'Bearer nope' }, DRAFT);
    expect([answer.status, answer.code]).toEqual([401, 'invalid_token']);
  });
});

describe('the Alertmanager webhook', () => {
  let server: LivegateServer;
  beforeAll(async () => {
    // Nothing listens on port 9: the watcher fails its polls, but its webhook route exists.
    server = await startTestServer({
      trustedProxies: ['127.0.0.1'],
      alertmanagers: [{ name: 'prod', url: 'http://127.0.0.1:9' }],
      stats: { intervalMs: 0 },
    });
  });
  afterAll(() => server.close());

  it('is a protected write: 403 write_forbidden from 203.0.113.5', async () => {
    const answer = await call(server, 'POST', '/api/v2/webhooks/alertmanager', REMOTE, JSON.stringify({}));
    expect([answer.status, answer.code]).toEqual([403, 'write_forbidden']);
  });
});
