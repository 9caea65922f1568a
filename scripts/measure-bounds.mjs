#!/usr/bin/env node
// Issue 9's reproductions against a built checkout (docs/operations.md, "Bounds"): publish latency
// with a (.|.)*# subscriber, /metrics after 200,000 event types, RSS and the alerts snapshot after
// 100 × 1,000 ingested alerts. Starts `dist/src/cli/main.js serve` of <checkout> on <port>.
// Usage: node scripts/measure-bounds.mjs <checkout> <port> [before|after]
//   before: alerts carry endsAt 9999 (refused after the change); EXTRA="--flag value" adds serve flags
//   (after the change: EXTRA="--limits-publishes-per-second 0", so the write rate limit stays out of it).
import { spawn } from 'node:child_process';
import console from 'node:console';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { TextDecoder } from 'node:util';

/* global fetch, AbortController */
const [root, port, mode] = [process.argv[2], Number(process.argv[3]), process.argv[4] ?? 'after'];
const base = `http://127.0.0.1:${port}`;
const srv = spawn(
  'node',
  [
    `${root}/dist/src/cli/main.js`,
    'serve',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    ...(process.env.EXTRA ? process.env.EXTRA.split(' ') : []),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'], cwd: root },
);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${srv.pid}/status`, 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {
    // not up yet
  }
  await sleep(200);
}
const post = (path, body) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
try {
  // 1. Evil regex subscriber, then one publish.
  const ac = new AbortController();
  const sse = await fetch(`${base}/api/v2/events/stream?topics=k8s&match=${encodeURIComponent('{pod=~"(.|.)*#"}')}`, {
    signal: ac.signal,
  });
  console.log('evil subscribe status', sse.status);
  let t = performance.now();
  const [pub, hz] = await Promise.all([
    post('/api/v2/events', { topic: 'k8s', type: 'x', labels: { pod: 'checkout-api-7d9f8b6c5d-x2x9z' } }),
    fetch(`${base}/healthz`).then(() => performance.now() - t),
  ]);
  console.log(
    `publish with (.|.)*# subscriber: ${pub.status} in ${(performance.now() - t).toFixed(1)} ms; /healthz answered after ${hz.toFixed(1)} ms`,
  );
  ac.abort();
  // 2. 200,000 distinct event types.
  const rss0 = rss();
  for (let b = 0; b < 200; b++) {
    const r = await post(
      '/api/v2/events',
      Array.from({ length: 1000 }, (_, i) => ({ topic: 'noise', type: `t${b}_${i}` })),
    );
    const txt = await r.text();
    if (r.status !== 202) {
      console.log('publish failed', b, r.status, txt);
      break;
    }
  }
  t = performance.now();
  const text = await (await fetch(`${base}/metrics`)).text();
  const series = text.split('\n').filter((l) => l.startsWith('livegate_events_published_total{')).length;
  console.log(
    `/metrics after 200,000 event types: ${(text.length / 1e6).toFixed(2)} MB, ${series} series of livegate_events_published_total, scrape ${(performance.now() - t).toFixed(0)} ms`,
  );
  // 3. 100,000 alerts through the ingest.
  const endsAt = mode === 'before' ? '9999-12-31T00:00:00Z' : new Date(Date.now() + 3_600_000).toISOString();
  const statuses = {};
  for (let b = 0; b < 100; b++) {
    const r = await post(
      '/api/v2/alerts',
      Array.from({ length: 1000 }, (_, i) => ({ labels: { alertname: `A${b}_${i}`, job: 'x' }, endsAt })),
    );
    await r.text();
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  await sleep(1500);
  console.log(
    `ingest of 100 batches × 1,000 alerts (endsAt ${endsAt.slice(0, 4)}): statuses ${JSON.stringify(statuses)}; RSS ${rss().toFixed(0)} MB (was ${rss0.toFixed(0)} MB before the alerts)`,
  );
  t = performance.now();
  const ac2 = new AbortController();
  const snap = await fetch(`${base}/api/v2/events/stream?topics=alerts`, { signal: ac2.signal });
  const reader = snap.body.getReader();
  let got = '';
  let bytes = 0;
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.length;
    got += dec.decode(value, { stream: true });
    if (/"type":"snapshot"[\s\S]*\n\n/.test(got)) break;
    if (got.length > 200e6) break;
  }
  console.log(`alerts snapshot: ${(bytes / 1e6).toFixed(2)} MB in ${(performance.now() - t).toFixed(0)} ms`);
  ac2.abort();
} finally {
  srv.kill('SIGTERM');
}
