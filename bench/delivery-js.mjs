#!/usr/bin/env node
// The JavaScript cost of one delivery, without the socket: a Hub with N subscribers on real
// SseWriter/WsWriter objects over stand-in sockets whose write() only counts. What is left is
// livegate's own work per delivery (dispatcher, session, writer, metrics), in CPU nanoseconds; the
// write syscall the real bench also pays (about 5–7 µs per delivery on the 2-core test machine) is
// not in it. Far less sensitive to a loaded machine than `npm run bench`, so a change to the
// delivery path can be compared before/after on any build: pass the checkout to measure.
//
//   node bench/delivery-js.mjs [--root DIR] [--subscribers 1000] [--events 2000] [--burst 1] [--cold MB]
//
// --cold MB reads MB of other memory before each publish (not counted), so that every delivery
// finds its objects out of the CPU caches, as in the real bench, where the kernel's work on a
// thousand sockets evicts them between two events: cache misses, not instructions, are most of
// the cost there. The last line is the floor: a Set of the same stand-in sockets, one write each.
//
// --burst N publishes N events per request: several events in one bus delivery take the queued
// path (one coalesced write per session per tick) instead of the one-event fast path.
import { Buffer } from 'node:buffer';
import console from 'node:console';
import path from 'node:path';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The flags, or a usage error (exit 2) for an unknown or malformed one. */
function flags() {
  try {
    return parseArgs({
      options: {
        root: { type: 'string', default: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..') },
        subscribers: { type: 'string', default: '1000' },
        events: { type: 'string', default: '2000' },
        burst: { type: 'string', default: '1' },
        cold: { type: 'string', default: '0' },
      },
    }).values;
  } catch (err) {
    console.error(`delivery-js: ${err.message}`);
    process.exit(2);
  }
}
const values = flags();
/** A flag's value as a number of the allowed kind, or a usage error (exit 2). */
function numberFlag(name, { integer, min }) {
  const value = Number(values[name]);
  if (values[name].trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    console.error(
      `delivery-js: --${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got "${values[name]}"`,
    );
    process.exit(2);
  }
  return value;
}
const subs = numberFlag('subscribers', { integer: true, min: 1 });
const events = numberFlag('events', { integer: true, min: 1 });
const burst = numberFlag('burst', { integer: true, min: 1 });
// --cold MB: between publishes, read MB of unrelated memory, as the kernel's work on a thousand
// sockets does between two events in the real bench, so each delivery finds its objects out of
// the CPU caches. The walk itself is not counted.
const coldBytes = Math.floor(numberFlag('cold', { integer: false, min: 0 }) * 1024 * 1024);
const coldBuf = new Uint8Array(Math.max(64, coldBytes));
let coldUs = 0;
function evict() {
  if (coldBytes === 0) return;
  const start = process.cpuUsage();
  for (let i = 0; i < coldBytes; i += 64) coldBuf[i]++;
  const used = process.cpuUsage(start);
  coldUs += used.user + used.system;
}
const load = (p) => import(pathToFileURL(path.join(values.root, 'dist', 'src', p)).href);
const { Hub } = await load('core/hub.js');
const { MemoryBus } = await load('bus/memory-bus.js');
const { compileFilter } = await load('core/filter.js');
const { SseWriter } = await load('transports/sse.js');
const { WsWriter } = await load('transports/websocket.js');
const { Metrics } = await load('http/metrics.js');

let writes = 0;
const socket = () => ({
  destroyed: false,
  writable: true,
  writableNeedDrain: false,
  writableLength: 0,
  write: () => (writes++, true),
  cork() {},
  uncork() {},
  once() {},
  destroy() {},
});
const hub = new Hub({ bus: new MemoryBus('bench'), observer: new Metrics() });
await hub.start();
const principal = { id: 'bench', expiresAt: null };
const draft = (n) => ({ topic: 'bench', type: 'tick', labels: { shard: 's0' }, data: { n, pad: 'x'.repeat(200) } });

/**
 * Warms `run` up (500 publishes, so V8 optimises the path), then times five rounds of `events`
 * publishes and prints the CPU per delivery, less the cache-evicting walk of `--cold`.
 */
async function measure(label, run) {
  await run(500);
  const perDelivery = [];
  for (let round = 0; round < 5; round++) {
    writes = 0;
    coldUs = 0;
    const start = process.cpuUsage();
    await run(events);
    const used = process.cpuUsage(start);
    perDelivery.push(((used.user + used.system - coldUs) * 1000) / (events * subs));
  }
  perDelivery.sort((a, b) => a - b);
  console.log(
    `${label}: ${perDelivery[0].toFixed(0)} ns CPU per delivery (least of 5 rounds; median ${perDelivery[2].toFixed(0)}), ${writes} writes in the last round`,
  );
}

for (const kind of ['ws', 'sse']) {
  const sessions = [];
  for (let i = 0; i < subs; i++) {
    const transport =
      kind === 'ws'
        ? new WsWriter({ readyState: 1, bufferedAmount: 0, once() {}, close() {}, terminate() {} }, socket())
        : new SseWriter({ end() {}, writableEnded: false }, socket(), false, 1000);
    const session = hub.openSession({ transport, ip: '127.0.0.1', principal });
    hub.subscribe(session, { filter: compileFilter({ topics: ['bench'] }) });
    sessions.push(session);
  }
  const run = async (count) => {
    for (let i = 0; i < count; i += burst) {
      const batch = Array.from({ length: burst }, (_, k) => draft(i + k));
      evict();
      await hub.publish(burst === 1 ? batch[0] : batch);
      await new Promise((resolve) => setImmediate(resolve)); // the flush pass
    }
  };
  await measure(`${kind}, burst ${burst}`, run);
  for (const session of sessions) session.close({ code: 'client_closed', message: '', wsCode: 1000 });
}

// The floor the ceilings of `npm run bench` pay: one frame, one Set walk, one write per socket.
{
  const sockets = new Set();
  for (let i = 0; i < subs; i++) sockets.add(socket());
  const run = async (count) => {
    for (let i = 0; i < count; i++) {
      evict();
      const frame = Buffer.from(`data: ${JSON.stringify(draft(i))}\n\n`);
      for (const s of sockets) if (!s.destroyed) s.write(frame);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await measure('bare loop', run);
}
process.exit(0);
