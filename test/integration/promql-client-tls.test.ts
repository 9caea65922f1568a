/**
 * The Prometheus client through a real nginx terminating TLS and checking credentials in front of a
 * real Prometheus: basic and bearer auth, a custom CA, insecure TLS, the timeout and the size bound.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivegateError } from '../../src/errors.js';
import { PrometheusClient } from '../../src/sources/promql/prometheus-client.js';
import {
  freePort,
  makeTempDir,
  ManagedProcess,
  probeTcp,
  startPrometheus,
  type Prometheus,
  type TempDir,
} from '../harness/index.js';

const run = promisify(execFile);
const BASIC = `Basic ${Buffer.from('viewer:s3cret').toString('base64')}`;
const BEARER = 'Bearer tok-123';

let prom: Prometheus;
let dir: TempDir;
let nginx: ManagedProcess;
let ports: { basic: number; bearer: number };
let ca: string;

async function expectFailure(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LivegateError);
  expect((err as LivegateError).code).toBe(code);
  expect((err as LivegateError).message).toMatch(message);
}

beforeAll(async () => {
  prom = await startPrometheus();
  dir = await makeTempDir('nginx-prom');
  const p = dir.path;
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(p, 'key.pem'),
    '-out',
    join(p, 'cert.pem'),
  ]);
  ca = await readFile(join(p, 'cert.pem'), 'utf8');
  ports = { basic: await freePort(), bearer: await freePort() };
  const server = (port: number, expected: string) => `
    server {
      listen 127.0.0.1:${port} ssl;
      ssl_certificate ${p}/cert.pem;
      ssl_certificate_key ${p}/key.pem;
      location / {
        if ($http_authorization != "${expected}") { return 401; }
        proxy_pass ${prom.url};
      }
    }`;
  await writeFile(
    join(p, 'nginx.conf'),
    `error_log ${p}/error.log;
    events {}
    http {
      access_log off;
      client_body_temp_path ${p}/body; proxy_temp_path ${p}/proxy; fastcgi_temp_path ${p}/fcgi;
      uwsgi_temp_path ${p}/uwsgi; scgi_temp_path ${p}/scgi;
      ${server(ports.basic, BASIC)}
      ${server(ports.bearer, BEARER)}
    }`,
  );
  nginx = new ManagedProcess({
    name: 'nginx-prom',
    command: '/usr/sbin/nginx',
    args: ['-p', p, '-e', `${p}/error.log`, '-c', `${p}/nginx.conf`, '-g', `daemon off; pid ${p}/nginx.pid;`],
    ready: () => probeTcp('127.0.0.1', ports.bearer),
  });
  await nginx.start();
});

afterAll(async () => {
  await nginx?.stop();
  await dir?.remove();
  await prom?.stop();
});

const now = () => Date.now() / 1000;

describe('PrometheusClient', () => {
  it('sends basic credentials over TLS verified with the configured CA', async () => {
    const c = new PrometheusClient({
      url: `https://127.0.0.1:${ports.basic}`,
      ca,
      auth: { kind: 'basic', username: 'viewer', password: 's3cret' },
    });
    const answer = await c.query('vector(42)', now());
    expect(answer.resultType).toBe('vector');
    expect((answer.result as { value: [number, string] }[])[0]!.value[1]).toBe('42');
    c.close();
  });

  it('sends a bearer token', async () => {
    const c = new PrometheusClient({
      url: `https://127.0.0.1:${ports.bearer}`,
      ca,
      auth: { kind: 'bearer', token: 'tok-123' },
    });
    const end = Math.floor(now());
    const answer = await c.queryRange('vector(1)', end - 60, end, 15);
    expect(answer.resultType).toBe('matrix');
    c.close();
  });

  it('reports wrong credentials as a query failure that names the status', async () => {
    const c = new PrometheusClient({
      url: `https://127.0.0.1:${ports.bearer}`,
      ca,
      auth: { kind: 'bearer', token: 'nope' },
    });
    await expectFailure(c.query('up', now()), 'prometheus_query_failed', /401/);
    c.close();
  });

  it('refuses an unknown certificate unless TLS verification is skipped', async () => {
    const strict = new PrometheusClient({
      url: `https://127.0.0.1:${ports.bearer}`,
      auth: { kind: 'bearer', token: 'tok-123' },
    });
    await expectFailure(strict.query('up', now()), 'prometheus_unavailable', /certificate/);
    strict.close();
    const insecure = new PrometheusClient({
      url: `https://127.0.0.1:${ports.bearer}`,
      insecureSkipVerify: true,
      auth: { kind: 'bearer', token: 'tok-123' },
    });
    expect((await insecure.query('vector(1)', now())).resultType).toBe('vector');
    insecure.close();
  });

  it('gives up after timeoutMs', async () => {
    // A listener that accepts but never answers.
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const c = new PrometheusClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 });
    const started = Date.now();
    await expectFailure(c.query('up', now()), 'prometheus_unavailable', /within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
    c.close();
    silent.close();
  });

  it('refuses an answer larger than maxResponseBytes', async () => {
    const c = new PrometheusClient({ url: prom.url, maxResponseBytes: 1024 });
    await expectFailure(c.query(`"${'x'.repeat(2000)}"`, now()), 'prometheus_query_failed', /larger than 1024 bytes/);
    expect((await c.query(`"${'x'.repeat(100)}"`, now())).resultType).toBe('string');
    c.close();
  });

  it('refuses contradictory options at construction', () => {
    expect(() => new PrometheusClient({ url: 'ftp://x' })).toThrow(/http/);
    expect(() => new PrometheusClient({ url: 'http://x', insecureSkipVerify: true })).toThrow(/https/);
    expect(() => new PrometheusClient({ url: 'not a url' })).toThrow(/not a URL/);
  });
});
