/**
 * The console API against hostile and careless input: every refusal is a 4xx with the error body
 * naming the field, nothing reaches NATS, and the server keeps answering. Writes need the admin
 * token once one is set.
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { startTestServer } from '../harness/livegate.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { waitFor } from '../harness/wait.js';

const TOKEN = 'console-admin-token';
let nats: NatsServer;
let client: NatsConnection;
let server: LivegateServer;

beforeAll(async () => {
  nats = await startNats();
  client = await connect({ servers: nats.url });
  server = await startTestServer({
    auth: { adminToken: TOKEN },
    console: { cluster: 'bad', nats: { servers: [nats.url] }, metricsIntervalMs: 1_000 },
  });
  await waitFor(async () => (await fetch(`${server.url}/api/v1/console/topics`)).status === 200, {
    timeoutMs: 20_000,
    what: 'the console to connect',
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await client?.close();
  await nats?.stop();
});

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; field?: string } } | null;
}

async function send(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  auth = true,
): Promise<Answer> {
  const res = await fetch(`${server.url}/api/v1/console${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as Answer['body']) };
}

const create = (body: unknown) => send('POST', '/topics', typeof body === 'string' ? body : JSON.stringify(body));

const nested = (depth: number, leaf: string) => '['.repeat(depth) + leaf + ']'.repeat(depth);

/** Bodies of `POST /topics`, each with the status, code and field it must get. */
const BODIES: [what: string, body: unknown, status: number, code: string, field?: string][] = [
  ['not JSON', '{"name":', 400, 'invalid_json'],
  ['an array', '[{"name":"a"}]', 400, 'invalid_body', 'body'],
  ['a string', '"orders"', 400, 'invalid_body', 'body'],
  ['null', 'null', 400, 'invalid_body', 'body'],
  ['no name', {}, 400, 'invalid_body', 'name'],
  ['an empty name', { name: '' }, 400, 'invalid_body', 'name'],
  ['a name with a dot', { name: 'a.b' }, 400, 'invalid_body', 'name'],
  ['a name with a wildcard', { name: 'a*' }, 400, 'invalid_body', 'name'],
  ['a name with >', { name: 'a>' }, 400, 'invalid_body', 'name'],
  ['a name with a space', { name: 'a b' }, 400, 'invalid_body', 'name'],
  ['a path as name', { name: '../etc' }, 400, 'invalid_body', 'name'],
  ['a name with NUL', { name: 'a\u0000b' }, 400, 'invalid_body', 'name'],
  ['a non-ASCII name', { name: 'ördér' }, 400, 'invalid_body', 'name'],
  ['an emoji name', { name: '📦' }, 400, 'invalid_body', 'name'],
  ['a 129-character name', { name: 'x'.repeat(129) }, 400, 'invalid_body', 'name'],
  ['a numeric name', { name: 42 }, 400, 'invalid_body', 'name'],
  ['an object name', { name: { $ne: '' } }, 400, 'invalid_body', 'name'],
  ['an unknown field', { name: 'ok', replicas: 3 }, 400, 'invalid_body', 'body'],
  ['__proto__', '{"name":"ok","__proto__":{"admin":true}}', 400, 'invalid_json'],
  ['no subjects', { name: 'ok', subjects: [] }, 400, 'invalid_body', 'subjects'],
  ['subjects not a list', { name: 'ok', subjects: 'ok.>' }, 400, 'invalid_body', 'subjects'],
  ['an empty subject token', { name: 'ok', subjects: ['ok..x'] }, 400, 'invalid_body', 'subjects[0]'],
  ['> not last', { name: 'ok', subjects: ['ok.>.x'] }, 400, 'invalid_body', 'subjects[0]'],
  ['* inside a token', { name: 'ok', subjects: ['ok', 'o*k'] }, 400, 'invalid_body', 'subjects[1]'],
  ['a system subject', { name: 'ok', subjects: ['$JS.API.>'] }, 400, 'invalid_body', 'subjects[0]'],
  ['a subject with a space', { name: 'ok', subjects: ['ok x'] }, 400, 'invalid_body', 'subjects[0]'],
  ['a subject with a newline', { name: 'ok', subjects: ['ok\r\nPUB x 1'] }, 400, 'invalid_body', 'subjects[0]'],
  ['a listed-twice subject', { name: 'ok', subjects: ['a.b', 'a.b'] }, 400, 'invalid_body', 'subjects[1]'],
  [
    '65 subjects',
    { name: 'ok', subjects: Array.from({ length: 65 }, (_, i) => `s${i}`) },
    400,
    'invalid_body',
    'subjects',
  ],
  ['a 300-character subject', { name: 'ok', subjects: ['s'.repeat(300)] }, 400, 'invalid_body', 'subjects[0]'],
  ['a number subject', { name: 'ok', subjects: [1] }, 400, 'invalid_body', 'subjects[0]'],
  ['deeply nested subjects', `{"name":"ok","subjects":${nested(5_000, '"x"')}}`, 400, 'invalid_body', 'subjects[0]'],
  ['a deeply nested name', `{"name":${nested(5_000, '1')}}`, 400, 'invalid_body', 'name'],
  ['negative maxMessages', { name: 'ok', maxMessages: -1 }, 400, 'invalid_body', 'maxMessages'],
  ['zero maxBytes', { name: 'ok', maxBytes: 0 }, 400, 'invalid_body', 'maxBytes'],
  ['fractional maxAgeSeconds', { name: 'ok', maxAgeSeconds: 1.5 }, 400, 'invalid_body', 'maxAgeSeconds'],
  ['a string limit', { name: 'ok', maxMessages: '10' }, 400, 'invalid_body', 'maxMessages'],
  ['a huge number', '{"name":"ok","maxBytes":1e400}', 400, 'invalid_body', 'maxBytes'],
  [
    'a century of maxAgeSeconds',
    { name: 'ok', maxAgeSeconds: 100 * 365 * 86_400 },
    400,
    'invalid_body',
    'maxAgeSeconds',
  ],
  ['a huge body', { name: 'ok', subjects: ['a'], pad: 'x'.repeat(64 * 1024) }, 413, 'payload_too_large'],
];

describe('POST /api/v1/console/topics refuses bad bodies naming the field', () => {
  for (const [what, body, status, code, field] of BODIES) {
    it(`refuses ${what}`, async () => {
      const answer = await create(body);
      expect(answer.status).toBe(status);
      expect(answer.body?.error?.code).toBe(code);
      if (field !== undefined) expect(answer.body?.error?.field).toBe(field);
      expect(answer.body?.error?.message.length).toBeGreaterThan(0);
    });
  }

  it('refuses a body that is not JSON by its content type', async () => {
    const answer = await send('POST', '/topics', 'name=ok', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(answer).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
  });

  it('created nothing in NATS', async () => {
    const jsm = await client.jetstreamManager();
    expect(await jsm.streams.names().next()).toEqual([]);
  });
});

describe('the other console routes refuse bad parameters', () => {
  const CASES: [what: string, method: string, path: string, status: number, code: string, field?: string][] = [
    ['a dotted name', 'DELETE', '/topics/a.b', 400, 'invalid_param', 'name'],
    ['an encoded NUL', 'DELETE', '/topics/a%00b', 400, 'invalid_param', 'name'],
    ['an encoded path', 'DELETE', '/topics/..%2F..%2Fetc', 400, 'invalid_param', 'name'],
    ['a long name', 'DELETE', `/topics/${'x'.repeat(200)}`, 400, 'invalid_param', 'name'],
    ['an unknown 128-character name', 'DELETE', `/topics/${'x'.repeat(128)}`, 404, 'not_found', 'name'],
    ['an unknown topic', 'DELETE', '/topics/nothing_here', 404, 'not_found', 'name'],
    ['a bad topic filter', 'GET', '/groups?topic=a*b', 400, 'invalid_param', 'topic'],
    ['a topic filter given twice', 'GET', '/groups?topic=a&topic=b', 400, 'invalid_param', 'topic'],
    ['an unknown topic filter', 'GET', '/groups?topic=nothing_here', 404, 'not_found', 'topic'],
    ['limit 0', 'GET', '/topics?limit=0', 400, 'invalid_param', 'limit'],
    ['a huge limit', 'GET', '/topics?limit=99999999999999999999', 400, 'invalid_param', 'limit'],
    ['a text limit', 'GET', '/groups?limit=ten', 400, 'invalid_param', 'limit'],
    ['a negative offset', 'GET', '/topics?offset=-1', 400, 'invalid_param', 'offset'],
  ];
  for (const [what, method, path, status, code, field] of CASES) {
    it(`refuses ${what}: ${method} ${path.slice(0, 40)}`, async () => {
      const answer = await send(method, path);
      expect(answer.status).toBe(status);
      expect(answer.body?.error).toMatchObject({ code, ...(field === undefined ? {} : { field }) });
    });
  }
});

describe('console writes need the admin token once one is set', () => {
  it('refuses a create and a delete without it, allows reads, and accepts them with it', async () => {
    const anonymous = await send('POST', '/topics', JSON.stringify({ name: 'guarded' }), {}, false);
    expect(anonymous).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((await send('GET', '/topics', undefined, {}, false)).status).toBe(200);
    expect((await send('POST', '/topics', JSON.stringify({ name: 'guarded' }))).status).toBe(201);
    expect((await send('DELETE', '/topics/guarded', undefined, {}, false)).status).toBe(401);
    expect((await send('DELETE', '/topics/guarded')).status).toBe(204);
  });

  it('still answers after the corpus', async () => {
    expect((await send('GET', '/topics')).body).toMatchObject({ total: 0, topics: [] });
  });
});
