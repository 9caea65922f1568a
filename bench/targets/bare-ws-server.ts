/**
 * Baseline: a bare `ws` broadcast server. Each event is serialized once into a Buffer and the same
 * Buffer is sent to every subscriber (no queues, no backpressure handling: `ws` buffers without
 * bound). Subscribers: `GET /ws[?shard=sN]` → `{"op":"hello"}` then one envelope per message.
 */
import http from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { handleCommon, listen, notFound, parseServerArgs, shardOf, type Envelope } from './common.js';

const args = parseServerArgs();
const all = new Set<WebSocket>();
const shards = new Map<string, Set<WebSocket>>();
const HELLO = Buffer.from('{"op":"hello"}');

function sendAll(set: Set<WebSocket> | undefined, buf: Buffer): void {
  if (!set) return;
  for (const ws of set) if (ws.readyState === WebSocket.OPEN) ws.send(buf, { binary: false });
}

function broadcast(env: Envelope): void {
  const buf = Buffer.from(JSON.stringify(env));
  sendAll(all, buf);
  const s = shardOf(env);
  if (s !== undefined) sendAll(shards.get(s), buf);
}

const server = http.createServer((req, res) => {
  if (!handleCommon(req, res, broadcast)) notFound(res);
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== '/ws') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const shard = url.searchParams.get('shard');
    let set = all;
    if (shard !== null) {
      set = shards.get(shard) ?? new Set();
      shards.set(shard, set);
    }
    set.add(ws);
    ws.on('close', () => set.delete(ws));
    ws.on('error', () => set.delete(ws));
    ws.send(HELLO, { binary: false });
  });
});
listen(server, args, 'bare-ws');
