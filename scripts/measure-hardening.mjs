#!/usr/bin/env node
// Reproductions of issue 9, findings 2, 3 and 7, against one build of `livegate serve`, for
// before/after numbers: descriptor exhaustion (1,024 descriptors, 1,100 half-open sockets), the
// lifetime of one partial-header socket, slots leaked by pipelined stream requests, and which
// browser origins are accepted. Needs `prlimit` (util-linux).
// Usage: node scripts/measure-hardening.mjs [path/to/dist/src/cli/main.js] [portBase=18800]
import { spawn } from 'node:child_process';
import console from 'node:console';
import { request } from 'node:http';
import { connect } from 'node:net';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const main = process.argv[2] ?? fileURLToPath(import.meta.resolve('../dist/src/cli/main.js'));
const portBase = Number(process.argv[3] ?? 18800);

function get(port, path, headers = {}) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve('error'));
    req.end();
  });
}

async function serve(port, descriptors) {
  const child = spawn(
    'prlimit',
    [
      `--nofile=${descriptors}`,
      process.execPath,
      main,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.exitedAt = null;
  child.on('exit', () => (child.exitedAt = Date.now()));
  while ((await get(port, '/healthz')) !== 200) await sleep(100);
  child.stderrText = () => stderr;
  return child;
}

const results = {};
{
  const port = portBase;
  const child = await serve(port, 1024);
  const started = Date.now();
  const sockets = [];
  for (let i = 0; i < 1100; i++) {
    const s = connect({ port, host: '127.0.0.1', localAddress: `127.0.9.${1 + (i % 20)}` });
    s.on('error', () => {});
    s.on('connect', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
    sockets.push(s);
  }
  while (child.exitedAt === null && Date.now() - started < 40_000) await sleep(200);
  for (const s of sockets) s.destroy();
  if (child.exitedAt !== null) {
    results.descriptors = {
      exitedAfterSeconds: (child.exitedAt - started) / 1000,
      error: (/Error: [^\n]+/.exec(child.stderrText()) ?? [''])[0],
    };
  } else {
    const closed = Date.now();
    while ((await get(port, '/healthz')) !== 200) await sleep(100);
    results.descriptors = { aliveAfterSeconds: 40, healthzBackAfterMs: Date.now() - closed };
  }
  child.kill();
}
{
  const port = portBase + 1;
  const child = await serve(port, 4096);
  const started = Date.now();
  const s = connect(port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
  s.on('error', () => {});
  s.resume();
  await new Promise((resolve) => s.on('close', resolve));
  results.partialHeaderSocketClosedAfterSeconds = (Date.now() - started) / 1000;
  child.kill();
}
{
  const port = portBase + 2;
  const child = await serve(port, 4096);
  const stream = 'GET /api/v2/events/stream HTTP/1.1\r\nHost: x\r\n\r\n';
  const pipelined = Array.from({ length: 6 }, () => {
    const s = connect(port, '127.0.0.1', () => s.write(stream + stream));
    s.on('error', () => {});
    s.resume();
    return s;
  });
  await sleep(1500);
  for (const s of pipelined) s.destroy();
  await sleep(1500);
  let admitted = 0;
  const fresh = [];
  for (let i = 0; i < 10; i++) {
    const status = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write(stream));
      s.on('error', () => resolve('error'));
      s.once('data', (d) => resolve(String(d).split(' ')[1]));
      fresh.push(s);
    });
    if (status === '200') admitted++;
  }
  for (const s of fresh) s.destroy();
  results.pipelined = { freshStreamsAdmittedOf10: admitted, slotsLeaked: 10 - admitted };
  child.kill();
}
{
  const port = portBase + 3;
  const child = await serve(port, 4096);
  const poll = '/api/v2/events/poll?timeout=0';
  results.origins = {
    originEqualsHost: await get(port, poll, {
      origin: `http://rebind.example:${port}`,
      host: `rebind.example:${port}`,
    }),
    localhost3000: await get(port, poll, { origin: 'http://localhost:3000' }),
    subLocalhost: await get(port, poll, { origin: `http://dash.localhost:${port}` }),
    own: await get(port, poll, { origin: `http://localhost:${port}` }),
  };
  child.kill();
}
console.log(JSON.stringify(results, null, 1));
process.exit(0);
