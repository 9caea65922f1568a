/**
 * Baseline: Socket.IO 4 with `io.emit` (the packet is encoded once per broadcast by the adapter).
 * Filtered subscribers (`?shard=sN` in the handshake query) join a room per shard and get
 * `io.to(room).emit`. Subscribers receive `hello` once joined, then `event` messages.
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { handleCommon, listen, notFound, parseServerArgs, shardOf, type Envelope } from './common.js';

const args = parseServerArgs();
let allSubs = 0;
let shardSubs = 0;

const server = http.createServer((req, res) => {
  if (!handleCommon(req, res, broadcast)) notFound(res);
});
const io = new Server(server, {
  serveClient: false,
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
});

io.on('connection', (socket) => {
  const shard = socket.handshake.query.shard;
  if (typeof shard === 'string') {
    shardSubs++;
    void socket.join(`shard:${shard}`);
    socket.on('disconnect', () => shardSubs--);
  } else {
    allSubs++;
    void socket.join('all');
    socket.on('disconnect', () => allSubs--);
  }
  socket.emit('hello', {});
});

function broadcast(env: Envelope): void {
  if (shardSubs === 0) {
    io.emit('event', env);
    return;
  }
  const s = shardOf(env);
  if (s !== undefined) io.to(`shard:${s}`).emit('event', env);
  if (allSubs > 0) io.to('all').emit('event', env);
}

listen(server, args, 'socketio');
