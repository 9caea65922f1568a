/**
 * A real Debian `nginx` on a free loopback port, running the shipped
 * `deploy/nginx/livegate.conf` with its upstream servers replaced by the given nodes.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import { launch, type ServerLifecycle } from './lifecycle.js';
import { ManagedProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { makeTempDir } from './temp-dir.js';

/** A running nginx started by {@link startNginx}. */
export interface NginxServer extends ServerLifecycle {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
}

const SHIPPED = fileURLToPath(new URL('../../deploy/nginx/livegate.conf', import.meta.url));

/** Renders the shipped config: `listen` on `port`, one `server` line per upstream port. */
export async function renderNginxConfig(port: number, upstreamPorts: readonly number[]): Promise<string> {
  const shipped = await readFile(SHIPPED, 'utf8');
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n');
  const rendered = shipped
    .replace(/^ {4}server 127\.0\.0\.1:\d+ .*;\n(?: {4}server 127\.0\.0\.1:\d+ .*;\n)*/m, `${servers}\n`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  if (!rendered.includes(`listen 127.0.0.1:${port};`) || !rendered.includes(servers)) {
    throw new Error('deploy/nginx/livegate.conf no longer has the listen/server lines the test renders');
  }
  return rendered;
}

/** Starts nginx in the foreground in a temp dir, proxying to `upstreamPorts` on 127.0.0.1. */
export async function startNginx(upstreamPorts: readonly number[]): Promise<NginxServer> {
  const [port, dir] = await Promise.all([freePort('127.0.0.1'), makeTempDir('nginx')]);
  const site = await renderNginxConfig(port, upstreamPorts);
  const main = `
daemon off;
master_process on;
worker_processes 1;
user root;
pid ${join(dir.path, 'nginx.pid')};
error_log ${join(dir.path, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir.path, 'body')};
  proxy_temp_path ${join(dir.path, 'proxy')};
  fastcgi_temp_path ${join(dir.path, 'fastcgi')};
  uwsgi_temp_path ${join(dir.path, 'uwsgi')};
  scgi_temp_path ${join(dir.path, 'scgi')};
  include ${join(dir.path, 'livegate.conf')};
}
`;
  await writeFile(join(dir.path, 'livegate.conf'), site);
  await writeFile(join(dir.path, 'nginx.conf'), main);
  const proc = new ManagedProcess({
    name: `nginx:${port}`,
    command: '/usr/sbin/nginx',
    args: ['-c', join(dir.path, 'nginx.conf'), '-p', dir.path, '-e', join(dir.path, 'error.log')],
    ready: () => tcpOpen(port),
    readyTimeoutMs: 10_000,
  });
  const lifecycle = await launch(proc, dir, 'startNginx()');
  return Object.assign(lifecycle, { port, url: `http://127.0.0.1:${port}` });
}

function tcpOpen(port: number): Promise<true> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', reject);
  });
}
