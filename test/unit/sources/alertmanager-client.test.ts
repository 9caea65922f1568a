import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertmanagerRequestError,
  HttpAlertmanagerClient,
  authorizationHeader,
} from '../../../src/sources/alertmanager/client.js';
import type { AlertmanagerTarget } from '../../../src/config/alertmanagers.js';
import { makeTempDir, type TempDir } from '../../harness/temp-dir.js';

let dir: TempDir;
let http: Server;
let https: Server;
let httpUrl: string;
let httpsUrl: string;
let caFile: string;
const seen: { path: string; authorization: string | undefined }[] = [];

/** Routes of the fake Alertmanager. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
  switch (req.url) {
    case '/api/v2/alerts':
      res.setHeader('content-type', 'application/json');
      res.end('[]');
      return;
    case '/prefix/api/v2/alerts':
      res.end('[{"route":"prefixed"}]');
      return;
    case '/api/v2/status':
      res.statusCode = 401;
      res.end('Unauthorized\n');
      return;
    case '/api/v2/html':
      res.end('<html>');
      return;
    case '/api/v2/big':
      res.end(`[${'1,'.repeat(600)}1]`);
      return;
    case '/api/v2/slow':
      setTimeout(() => res.end('[]'), 2000);
      return;
    default:
      res.statusCode = 404;
      res.end();
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  dir = await makeTempDir('am-client');
  const key = join(dir.path, 'key.pem');
  const cert = join(dir.path, 'cert.pem');
  // A self-signed certificate for 127.0.0.1; the certificate is its own CA.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=livegate-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  caFile = cert;
  http = createHttpServer(handle);
  https = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, handle);
  httpUrl = `http://127.0.0.1:${await listen(http)}`;
  httpsUrl = `https://127.0.0.1:${await listen(https)}`;
});

afterAll(async () => {
  http?.closeAllConnections();
  https?.closeAllConnections();
  await Promise.all([new Promise((r) => http?.close(r)), new Promise((r) => https?.close(r))]);
  await dir?.remove();
});

function target(overrides: Partial<AlertmanagerTarget>): AlertmanagerTarget {
  return { name: 'test', url: httpUrl, intervalMs: 1000, timeoutMs: 1000, ...overrides };
}

async function get(t: AlertmanagerTarget, path: string, timeoutMs = 1000, options = {}): Promise<unknown> {
  const client = await HttpAlertmanagerClient.create(t, options);
  try {
    return await client.getJson(path, AbortSignal.timeout(timeoutMs));
  } finally {
    client.close();
  }
}

describe('HttpAlertmanagerClient', () => {
  it('GETs and decodes JSON below a route prefix', async () => {
    expect(await get(target({}), '/api/v2/alerts')).toEqual([]);
    expect(await get(target({ url: `${httpUrl}/prefix` }), '/api/v2/alerts')).toEqual([{ route: 'prefixed' }]);
  });

  it('sends basic auth, a bearer token, or a token read from a file on every request', async () => {
    const tokenFile = join(dir.path, 'token');
    writeFileSync(tokenFile, 'from-file\n');
    seen.length = 0;
    await get(target({ auth: { username: 'ops', password: 'p:w' } }), '/api/v2/alerts');
    await get(target({ auth: { bearerToken: 'abc' } }), '/api/v2/alerts');
    await get(target({ auth: { bearerTokenFile: tokenFile } }), '/api/v2/alerts');
    expect(seen.map((s) => s.authorization)).toEqual([
      `Basic ${Buffer.from('ops:p:w').toString('base64')}`,
      'Bearer abc',
      'Bearer from-file',
    ]);
    writeFileSync(tokenFile, 'rotated');
    expect(await authorizationHeader({ bearerTokenFile: tokenFile })).toBe('Bearer rotated');
    await expect(authorizationHeader({ bearerTokenFile: join(dir.path, 'missing') })).rejects.toThrow(
      /cannot read auth.bearerTokenFile .*missing: ENOENT/,
    );
  });

  it.each([
    ['/api/v2/status', 'GET /api/v2/status: answered HTTP 401: "Unauthorized"'],
    ['/api/v2/nothing', 'GET /api/v2/nothing: answered HTTP 404'],
    ['/api/v2/html', /^GET \/api\/v2\/html: answer is not JSON \(Unexpected token/],
  ])('turns a bad answer to %s into an AlertmanagerRequestError saying what went wrong', async (path, message) => {
    const error = await get(target({}), path).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AlertmanagerRequestError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses an answer above the size limit, and gives up at the deadline', async () => {
    await expect(get(target({}), '/api/v2/big', 1000, { maxBodyBytes: 100 })).rejects.toThrow(
      'GET /api/v2/big: answer larger than 100 bytes',
    );
    await expect(get(target({}), '/api/v2/slow', 200)).rejects.toThrow('GET /api/v2/slow: timed out');
  });

  it('reports a refused connection with a stable message', async () => {
    const closed = createHttpServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    await expect(get(target({ url: `http://127.0.0.1:${port}` }), '/api/v2/alerts')).rejects.toThrow(
      `GET /api/v2/alerts: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('verifies https against tls.caFile, refuses an unknown CA, and skips verification only when told to', async () => {
    expect(await get(target({ url: httpsUrl, tls: { caFile } }), '/api/v2/alerts')).toEqual([]);
    await expect(get(target({ url: httpsUrl }), '/api/v2/alerts')).rejects.toThrow(
      /GET \/api\/v2\/alerts: .*self[- ]signed certificate/,
    );
    expect(await get(target({ url: httpsUrl, tls: { insecureSkipVerify: true } }), '/api/v2/alerts')).toEqual([]);
  });

  it('fails to build with a message naming an unreadable tls.caFile', async () => {
    await expect(
      HttpAlertmanagerClient.create(target({ url: httpsUrl, tls: { caFile: '/nonexistent/ca.pem' } })),
    ).rejects.toThrow('alertmanager test: cannot read tls.caFile /nonexistent/ca.pem: ENOENT');
  });
});
