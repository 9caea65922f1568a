/**
 * `auth.mode: jwt` end to end on a real server: tokens signed with jose in the test, an attack
 * corpus refused with the documented error and nothing delivered, JWKS rotation picked up without
 * a restart, and tokens kept out of logs and metrics.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/http/auth/publish-keys.js';
import { startLivegate, type LivegateServer } from '../../../src/http/server.js';
import { publishEvents, startTestServer, testConfig } from '../../harness/livegate.js';
import { RawSse } from '../../harness/raw-sse.js';
import { makeTempDir, type TempDir } from '../../harness/temp-dir.js';
import {
  makeSigningKey,
  signHs256,
  signWithKey,
  startJwksServer,
  tamperPayload,
  unsignedToken,
  type JwksServer,
  type SigningKey,
  type TokenSpec,
} from '../../harness/tokens.js';
import { TestWs } from '../../harness/ws-client.js';

const ISS = 'https://idp.example.test';
const AUD = 'livegate';
const PUBLISHER = { authorization: 'Bearer pub-key-1' };
const READ_ALL = { livegate: { subscribe: ['*'] } };

async function refusal(res: Response): Promise<string> {
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  return `${res.status} ${body.error?.code ?? '?'}`;
}

/** The status a WebSocket handshake gets (101 when it opens). */
async function handshake(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const ws = await TestWs.open(url, { headers });
    ws.close();
    return 101;
  } catch (err) {
    const match = /handshake refused: (\d+)/.exec((err as Error).message);
    if (match === null) throw err;
    return Number(match[1]);
  }
}

describe('auth.mode jwt with a public key file', () => {
  let dir: TempDir;
  let key: SigningKey;
  let other: SigningKey;
  let server: LivegateServer;
  const logLines: string[] = [];
  const sign = (spec: TokenSpec = {}) => signWithKey(key, { iss: ISS, aud: AUD, claims: READ_ALL, ...spec });

  beforeAll(async () => {
    dir = await makeTempDir('jwt');
    key = await makeSigningKey('k1', 'RS256');
    other = await makeSigningKey('k1', 'RS256');
    const publicKeyFile = join(dir.path, 'idp.pem');
    writeFileSync(publicKeyFile, key.publicPem);
    const config = testConfig(
      {
        auth: {
          mode: 'jwt',
          jwt: { publicKeyFile, issuer: ISS, audience: AUD, clockSkewSeconds: 0 },
          publishKeys: [{ name: 'pub', sha256: sha256Hex('pub-key-1'), topics: ['app*'] }],
        },
        stats: { intervalMs: 0 },
        log: { level: 'debug' },
      },
      0,
    );
    // Every log line, at debug, to check that no token ends up in them.
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    server = await startLivegate({ config, logger: pino({ level: 'debug' }, sink) });
  });
  afterAll(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('says at start that reading needs a token', () => {
    expect(logLines.some((l) => l.includes('reading needs a token (auth.mode jwt)'))).toBe(true);
  });

  it('refuses a reader without a token with 401 unauthorized on every transport', async () => {
    expect(await refusal(await fetch(`${server.url}/api/v2/events/stream`))).toBe('401 unauthorized');
    expect(await refusal(await fetch(`${server.url}/api/v2/events/poll?timeout=0`))).toBe('401 unauthorized');
    expect(await refusal(await fetch(`${server.url}/api/v2/alerts`))).toBe('401 unauthorized');
    expect(await handshake(`${server.url}/ws/dashboard`)).toBe(401);
  });

  it('accepts a valid token as a Bearer header, an access_token parameter and the livegate_token cookie', async () => {
    const token = await sign();
    const poll = (init: RequestInit, query = '') =>
      fetch(`${server.url}/api/v2/events/poll?timeout=0${query}`, init).then((r) => r.status);
    expect(await poll({ headers: { authorization: `Bearer ${token}` } })).toBe(200);
    expect(await poll({}, `&access_token=${token}`)).toBe(200);
    expect(await poll({ headers: { cookie: `theme=dark; livegate_token=${token}` } })).toBe(200);
    expect(await handshake(`${server.url}/ws/dashboard?access_token=${token}`)).toBe(101);
  });

  describe('the attack corpus: each refused with its documented error, nothing delivered', () => {
    const corpus: [string, () => Promise<string>, string][] = [
      ['alg none', async () => unsignedToken({ sub: 'mallory', iss: ISS, aud: AUD, ...READ_ALL }), '401 invalid_token'],
      [
        'HS256 signed with the RS public key (key confusion)',
        () => signHs256(new TextEncoder().encode(key.publicPem), { iss: ISS, aud: AUD, claims: READ_ALL }),
        '401 invalid_token',
      ],
      ['expired', () => sign({ expiresIn: -5 }), '401 token_expired'],
      ['not yet valid (nbf)', () => sign({ notBeforeIn: 600 }), '401 invalid_token'],
      ['wrong issuer', () => sign({ iss: 'https://evil.example.test' }), '401 invalid_token'],
      ['wrong audience', () => sign({ aud: 'someone-else' }), '401 invalid_token'],
      [
        'tampered payload (wider rights)',
        async () =>
          tamperPayload(await sign({ claims: { livegate: { subscribe: ['app'] } } }), (p) => ({ ...p, ...READ_ALL })),
        '401 invalid_token',
      ],
      [
        'signed by an unknown key with the same kid',
        () => signWithKey(other, { iss: ISS, aud: AUD, claims: READ_ALL }),
        '401 invalid_token',
      ],
      ['no sub', () => sign({ sub: '' }), '401 invalid_token'],
      [
        'a 10 KB token (past auth.jwt.maxTokenBytes)',
        async () => `${await sign()}${'A'.repeat(10 * 1024)}`,
        '401 invalid_token',
      ],
    ];
    for (const [name, make, expected] of corpus) {
      it(`refuses ${name} on SSE, poll and the WebSocket handshake`, async () => {
        const token = await make();
        const status = Number(expected.slice(0, 3));
        expect(
          await refusal(
            await fetch(`${server.url}/api/v2/events/stream`, { headers: { authorization: `Bearer ${token}` } }),
          ),
        ).toBe(expected);
        expect(await refusal(await fetch(`${server.url}/api/v2/events/poll?timeout=0&access_token=${token}`))).toBe(
          expected,
        );
        expect(await handshake(`${server.url}/ws/dashboard`, { authorization: `Bearer ${token}` })).toBe(status);
        expect(server.hub.sessionCount).toBe(0);
      });
    }

    it('refuses a 64 KB token before reading it: 431 over HTTP, invalid_token as a WebSocket refresh', async () => {
      const huge = `${await sign()}${'A'.repeat(64 * 1024)}`;
      const res = await fetch(`${server.url}/api/v2/events/stream`, { headers: { authorization: `Bearer ${huge}` } });
      expect(await refusal(res)).toBe('431 payload_too_large');
      const ws = await TestWs.open(`${server.url}/ws/dashboard?access_token=${await sign()}`);
      try {
        ws.send({ op: 'refresh', id: 'r1', token: huge });
        const answer = await ws.next((m) => m.id === 'r1');
        expect(answer).toMatchObject({ op: 'error', code: 'invalid_token' });
      } finally {
        ws.close();
      }
    });

    it('delivered nothing to anyone while refusing', async () => {
      const token = await sign();
      const sse = await RawSse.open(`${server.url}/api/v2/events/stream?topics=app.corpus`, {
        authorization: `Bearer ${token}`,
      });
      try {
        await sse.control('hello');
        const [id] = await publishEvents(server, { topic: 'app.corpus', type: 't' }, PUBLISHER);
        await expectText(sse, `id: ${id}\n`);
        // Only the one legitimate connection ever existed.
        expect(server.hub.sessionCount).toBe(1);
      } finally {
        sse.close();
      }
    });
  });

  it('keeps tokens out of the logs and /metrics', async () => {
    const token = await sign({ sub: 'log-check' });
    await fetch(`${server.url}/api/v2/events/poll?timeout=0&access_token=${token}`);
    await fetch(`${server.url}/api/v2/events/poll?timeout=0&access_token=${token}x`);
    await fetch(`${server.url}/api/v2/nope?access_token=${token}`);
    await handshake(`${server.url}/ws/dashboard?access_token=${token}x`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const signature = token.split('.')[2]!;
    expect(metrics).not.toContain(signature);
    expect(logLines.join('')).not.toContain(signature);
    expect(logLines.join('')).not.toContain('access_token=');
  });
});

async function expectText(sse: RawSse, text: string): Promise<void> {
  const { waitFor } = await import('../../harness/wait.js');
  await waitFor(() => sse.text.includes(text), { timeoutMs: 10_000, intervalMs: 5, what: JSON.stringify(text) });
}

describe('auth.mode jwt with a JWKS URL', () => {
  let jwks: JwksServer;
  let first: SigningKey;
  let second: SigningKey;
  let server: LivegateServer;

  beforeAll(async () => {
    first = await makeSigningKey('2026-a', 'ES256');
    second = await makeSigningKey('2026-b', 'EdDSA');
    jwks = await startJwksServer([first]);
    server = await startTestServer({
      auth: { mode: 'jwt', jwt: { jwksUrl: jwks.url, jwksCooldownSeconds: 0 } },
      stats: { intervalMs: 0 },
    });
  });
  afterAll(async () => {
    await server?.close();
    await jwks?.close();
  });

  const poll = async (token: string) =>
    refusal(
      await fetch(`${server.url}/api/v2/events/poll?timeout=0`, { headers: { authorization: `Bearer ${token}` } }),
    );

  it('accepts a token of a key in the set and refuses an unknown kid', async () => {
    expect(await poll(await signWithKey(first, { claims: READ_ALL }))).toBe('200 ?');
    expect(await poll(await signWithKey(second, { claims: READ_ALL }))).toBe('401 invalid_token');
  });

  it('picks up a rotated key set without a restart', async () => {
    jwks.setKeys([second]);
    const fetched = jwks.fetches;
    expect(await poll(await signWithKey(second, { claims: READ_ALL }))).toBe('200 ?');
    expect(jwks.fetches).toBeGreaterThan(fetched);
    // The retired key's tokens stop working once the new set is in.
    expect(await poll(await signWithKey(first, { claims: READ_ALL }))).toBe('401 invalid_token');
  });

  it('answers 503 auth_unavailable while the key set cannot be fetched', async () => {
    const unreachable = await startTestServer({
      auth: { mode: 'jwt', jwt: { jwksUrl: 'http://127.0.0.1:9/jwks.json' } },
      stats: { intervalMs: 0 },
    });
    try {
      const res = await fetch(`${unreachable.url}/api/v2/events/poll?timeout=0`, {
        headers: { authorization: `Bearer ${await signWithKey(first, { claims: READ_ALL })}` },
      });
      expect(await refusal(res)).toBe('503 auth_unavailable');
    } finally {
      await unreachable.close();
    }
  });
});
