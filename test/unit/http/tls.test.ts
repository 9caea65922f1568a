import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTlsFiles, reloadTlsOnSighup } from '../../../src/http/tls.js';
import { makeCertificate } from '../../harness/tls.js';

function peerCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve(String(cert.subject.CN)));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS certificate reload on SIGHUP', () => {
  let dir: string;
  let server: Server;
  let port: number;
  const live = { certFile: '', keyFile: '' };
  let stop: () => void;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'livegate-tls-'));
    const first = makeCertificate(dir, 'first');
    live.certFile = join(dir, 'live.crt');
    live.keyFile = join(dir, 'live.key');
    copyFileSync(first.certFile, live.certFile);
    copyFileSync(first.keyFile, live.keyFile);
    server = createServer(readTlsFiles(live), (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    stop = reloadTlsOnSighup(server, live, pino({ level: 'silent' }));
  });
  afterAll(() => {
    stop();
    server.close();
  });

  it('serves the renewed certificate after SIGHUP, without a restart', async () => {
    expect(await peerCommonName(port)).toBe('first');
    const second = makeCertificate(dir, 'second');
    copyFileSync(second.certFile, live.certFile);
    copyFileSync(second.keyFile, live.keyFile);
    expect(await peerCommonName(port)).toBe('first');
    process.emit('SIGHUP', 'SIGHUP');
    expect(await peerCommonName(port)).toBe('second');
  });

  it('keeps the running certificate when the new files are broken', async () => {
    writeFileSync(live.certFile, 'not a certificate');
    process.emit('SIGHUP', 'SIGHUP');
    expect(await peerCommonName(port)).toBe('second');
  });

  it('names an unreadable file', () => {
    expect(() => readTlsFiles({ certFile: join(dir, 'nope.crt'), keyFile: live.keyFile })).toThrow(
      /tls\.certFile .*nope\.crt cannot be read/,
    );
  });
});
