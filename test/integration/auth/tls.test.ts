/**
 * TLS: HTTPS with HTTP/2 for event streams (several streams on one connection), HTTP/1.1 and
 * WebSocket still served on the same port, HSTS and the other security headers on every answer,
 * and the certificate read again on SIGHUP without a restart.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LivegateServer } from '../../../src/http/server.js';
import { startTestServer } from '../../harness/livegate.js';
import { makeTempDir, type TempDir } from '../../harness/temp-dir.js';
import { makeCertificate } from '../../harness/tls.js';
import { waitFor } from '../../harness/wait.js';

describe('tls.certFile / tls.keyFile', () => {
  let dir: TempDir;
  let server: LivegateServer;
  let ca: Buffer;
  let files: { certFile: string; keyFile: string };
  let next: { certFile: string; keyFile: string };

  beforeAll(async () => {
    dir = await makeTempDir('tls');
    const first = makeCertificate(dir.path, 'livegate-first');
    next = makeCertificate(dir.path, 'livegate-next');
    // The configured paths stay the same; a renewal replaces what is in them.
    files = { certFile: join(dir.path, 'server.crt'), keyFile: join(dir.path, 'server.key') };
    copyFileSync(first.certFile, files.certFile);
    copyFileSync(first.keyFile, files.keyFile);
    ca = readFileSync(first.certFile);
    server = await startTestServer({ tls: files, stats: { intervalMs: 0 } });
  });
  afterAll(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('serves https and says so in its URL', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers HTTP/1.1 over TLS with HSTS and the security headers', async () => {
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = httpsRequest(`${server.url}/healthz`, { ca }, (res) => {
        res.resume();
        resolve({ status: res.statusCode, ...res.headers });
      });
      req.on('error', reject);
      req.end();
    });
    expect(headers).toMatchObject({
      status: 200,
      'strict-transport-security': expect.stringContaining('max-age='),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
  });

  it('carries several SSE streams over one HTTP/2 connection and delivers events on each', async () => {
    const session: ClientHttp2Session = http2Connect(server.url, { ca });
    try {
      const texts = ['', '', ''];
      const statuses: unknown[] = [];
      for (let i = 0; i < texts.length; i++) {
        const stream = session.request({ ':path': `/api/v2/events/stream?topics=h2.t${i}` });
        stream.setEncoding('utf8');
        stream.on('response', (h) => statuses.push([h[':status'], h['content-type'], h['strict-transport-security']]));
        stream.on('data', (chunk: string) => {
          texts[i] += chunk;
        });
      }
      await waitFor(() => texts.every((t) => t.includes('event: hello')), {
        timeoutMs: 10_000,
        intervalMs: 10,
        what: 'hello on every HTTP/2 stream',
      });
      expect(statuses).toEqual(
        Array(3).fill([200, 'text/event-stream; charset=utf-8', expect.stringContaining('max-age=')]),
      );
      const ids = await server.hub.publish([0, 1, 2].map((i) => ({ topic: `h2.t${i}`, type: 'x', data: { i } })));
      await waitFor(() => texts.every((t, i) => t.includes(`id: ${ids[i]}\n`)), {
        timeoutMs: 10_000,
        intervalMs: 10,
        what: 'each event on its HTTP/2 stream',
      });
      expect(server.hub.sessionCount).toBe(3);
    } finally {
      session.destroy();
    }
    await waitFor(() => server.hub.sessionCount === 0, { timeoutMs: 10_000, intervalMs: 10, what: 'sessions closed' });
  });

  it('accepts WebSocket over TLS (wss:)', async () => {
    const ws = new WebSocket(`${server.url.replace('https', 'wss')}/ws/dashboard`, { ca });
    try {
      const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
        ws.once('message', (data) => resolve(JSON.parse(data.toString()) as Record<string, unknown>));
        ws.once('error', reject);
      });
      expect(hello.op).toBe('hello');
    } finally {
      ws.close();
    }
  });

  it('reads a renewed certificate on SIGHUP without a restart', async () => {
    const subject = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect(
          { host: '127.0.0.1', port: server.port, rejectUnauthorized: false, ALPNProtocols: ['h2'] },
          () => {
            const cn = socket.getPeerCertificate().subject.CN;
            socket.destroy();
            resolve(Array.isArray(cn) ? cn.join(',') : (cn ?? ''));
          },
        );
        socket.once('error', reject);
      });
    expect(await subject()).toBe('livegate-first');
    copyFileSync(next.certFile, files.certFile);
    copyFileSync(next.keyFile, files.keyFile);
    process.emit('SIGHUP', 'SIGHUP');
    expect(await subject()).toBe('livegate-next');
  });
});
