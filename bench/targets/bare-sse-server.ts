/**
 * Baseline: the bare SSE ceiling. Each event is framed once (`id: <seq>\ndata: <json>\n\n`) and the
 * same bytes are written to every subscriber's raw socket, one `socket.write` each, on a
 * close-delimited response (no chunked encoding), as livegate's SSE writer does. No queues, no
 * backpressure handling. Subscribers: `GET /events[?shard=sN]` → `event: hello`, then unnamed
 * events whose `id:` is the sequence.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { handleCommon, listen, notFound, parseServerArgs, shardOf, type Envelope } from './common.js';

const args = parseServerArgs();
const all = new Set<Socket>();
const shards = new Map<string, Set<Socket>>();
const HELLO = Buffer.from('event: hello\ndata: {}\n\n');

function writeAll(set: Set<Socket> | undefined, frame: Buffer): void {
  if (!set) return;
  for (const socket of set) if (!socket.destroyed) socket.write(frame);
}

function broadcast(env: Envelope): void {
  const frame = Buffer.from(`id: ${env.id}\ndata: ${JSON.stringify(env)}\n\n`);
  writeAll(all, frame);
  const s = shardOf(env);
  if (s !== undefined) writeAll(shards.get(s), frame);
}

const server = http.createServer((req, res) => {
  if (handleCommon(req, res, broadcast)) return;
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method !== 'GET' || url.pathname !== '/events') {
    notFound(res);
    return;
  }
  const shard = url.searchParams.get('shard');
  let set = all;
  if (shard !== null) {
    set = shards.get(shard) ?? new Set();
    shards.set(shard, set);
  }
  res.useChunkedEncodingByDefault = false;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  const socket = res.socket as Socket;
  socket.setNoDelay(true);
  set.add(socket);
  res.on('close', () => set.delete(socket));
  socket.write(HELLO);
});
listen(server, args, 'bare-sse');
