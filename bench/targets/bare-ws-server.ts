/**
 * Baseline: a bare `ws` broadcast server. Each event is serialized once into a Buffer. Subscribers:
 * `GET /ws[?shard=sN]` → `{"op":"hello"}` then one envelope per message. Two modes:
 * - default (`bare-ws`): the same Buffer is `ws.send` to every socket, so `ws` frames it per socket
 *   (a header per socket, header and payload written corked);
 * - `--framed` (`bare-ws-framed`, the true ceiling): the complete WebSocket frame is built once and
 *   the same bytes are written to every raw socket, one `socket.write` each.
 * Neither has queues or backpressure handling (`ws` and the socket buffer without bound).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { handleCommon, listen, notFound, parseServerArgs, shardOf, type Envelope } from './common.js';

const args = parseServerArgs();
const framed = process.argv.includes('--framed');
const all = new Set<Peer>();
const shards = new Map<string, Set<Peer>>();
const HELLO = Buffer.from('{"op":"hello"}');

interface Peer {
  readonly ws: WebSocket;
  readonly socket: Duplex;
}

/** An unmasked, final text frame (RFC 6455 §5.2) around `payload`. */
function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(frame, head);
  return frame;
}

function sendAll(set: Set<Peer> | undefined, payload: Buffer, frame: Buffer | undefined): void {
  if (!set) return;
  for (const p of set) {
    if (p.ws.readyState !== WebSocket.OPEN) continue;
    if (frame !== undefined) p.socket.write(frame);
    else p.ws.send(payload, { binary: false });
  }
}

function broadcast(env: Envelope): void {
  const payload = Buffer.from(JSON.stringify(env));
  const frame = framed ? textFrame(payload) : undefined;
  sendAll(all, payload, frame);
  const s = shardOf(env);
  if (s !== undefined) sendAll(shards.get(s), payload, frame);
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
    const peer: Peer = { ws, socket };
    set.add(peer);
    ws.on('close', () => set.delete(peer));
    ws.on('error', () => set.delete(peer));
    ws.send(HELLO, { binary: false });
  });
});
listen(server, args, framed ? 'bare-ws-framed' : 'bare-ws');
