#!/usr/bin/env node
// Measures real memory against `replay.maxBytes` (docs/operations.md, "Memory"): starts the built
// server (`npm run build` first), fills its replay window with events of one data size while SSE
// and WebSocket subscribers read every event (so each held event also has its cached SSE and
// WebSocket frames), then reads the server's RSS (/proc/<pid>/status) and V8 heap (/metrics).
// Usage: node scripts/measure-memory.mjs [maxBytesMiB=64] [dataBytes=200,2000,20000] [subscribers=20]
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import console from 'node:console';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const MiB = 1024 * 1024;
const maxBytes = Number(process.argv[2] ?? 64) * MiB;
const sizes = (process.argv[3] ?? '200,2000,20000').split(',').map(Number);
const subscribers = Number(process.argv[4] ?? 20);
const main = fileURLToPath(import.meta.resolve('../dist/src/cli/main.js'));

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function call(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers:
          body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const metric = (text, name) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
};
const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const mb = (bytes) => (bytes / MiB).toFixed(1);

console.log(
  `replay.maxBytes ${mb(maxBytes)} MiB, ${subscribers} SSE + ${subscribers} WebSocket subscribers reading every event`,
);
console.log(
  '| data bytes | events held | window MiB | RSS idle MiB | RSS full MiB | heap used MiB | RSS ÷ maxBytes | (RSS − idle) ÷ maxBytes |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const size of sizes) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      main,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'warn',
      '--replay-max-bytes',
      String(maxBytes),
      '--replay-max-events',
      '10000000',
      '--limits-max-per-ip',
      '1000',
      '--limits-connects-per-second',
      '0',
      '--limits-publishes-per-second',
      '0',
      '--stats-interval-ms',
      '0',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  for (let i = 0; ; i++) {
    try {
      if ((await call(port, 'GET', '/healthz')).status === 200) break;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  const sockets = [];
  for (let i = 0; i < subscribers; i++) {
    const sse = request({ host: '127.0.0.1', port, path: '/api/v2/events/stream?topics=mem', agent: false });
    sse.on('response', (res) => res.resume());
    sse.on('error', () => {});
    sse.end();
    sockets.push({ close: () => sse.destroy() });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/dashboard`);
    ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', id: 's', topics: ['mem'] })));
    ws.on('error', () => {});
    sockets.push({ close: () => ws.terminate() });
  }
  await sleep(1000);
  const idle = rssOf(child.pid);
  const pad = 'x'.repeat(size);
  const perRequest = Math.max(1, Math.min(1000, Math.floor((400 * 1024) / (size + 150))));
  let window = 0;
  // Publish until the window holds maxBytes and has evicted for a while (full, steady state).
  for (let published = 0; window < maxBytes * 0.98 || published < (maxBytes / (size + 150)) * 1.2;) {
    const drafts = Array.from({ length: perRequest }, (_, k) => ({
      topic: 'mem',
      type: 'fill',
      labels: { pod: `pod-${(published + k) % 50}` },
      data: { n: published + k, pad },
    }));
    const res = await call(port, 'POST', '/api/v2/events', JSON.stringify(drafts));
    if (res.status !== 202) throw new Error(`publish ${res.status} ${res.body.slice(0, 200)}`);
    published += perRequest;
    if (published % (perRequest * 20) === 0) {
      window = metric((await call(port, 'GET', '/metrics')).body, 'livegate_replay_window_bytes');
      await sleep(50); // let subscribers drain so nobody is cut off as a slow consumer
    }
  }
  await sleep(2000);
  const text = (await call(port, 'GET', '/metrics')).body;
  const rss = rssOf(child.pid);
  const heap = metric(text, 'nodejs_heap_size_used_bytes');
  const held = metric(text, 'livegate_replay_window_events');
  window = metric(text, 'livegate_replay_window_bytes');
  const slow = metric(text, 'livegate_slow_consumer_disconnects_total');
  console.log(
    `| ${size} | ${held} | ${mb(window)} | ${mb(idle)} | ${mb(rss)} | ${mb(heap)} | ${(rss / maxBytes).toFixed(2)} | ${((rss - idle) / maxBytes).toFixed(2)} |${slow > 0 ? ` (${slow} slow consumers cut)` : ''}`,
  );
  for (const s of sockets) s.close();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
