/**
 * Baseline: `better-sse` channel broadcast. The envelope is serialized once and pushed with an
 * identity serializer (better-sse still frames and sanitizes per session). Subscribers:
 * `GET /events[?shard=sN]` → `event: hello`, then `event: message` with `id:` = sequence.
 */
import http from 'node:http';
import { createChannel, createSession, type Channel } from 'better-sse';
import { handleCommon, listen, notFound, parseServerArgs, shardOf, type Envelope } from './common.js';

const args = parseServerArgs();
const all = createChannel();
const shards = new Map<string, Channel>();

function broadcast(env: Envelope): void {
  const text = JSON.stringify(env);
  const opts = { eventId: env.id };
  if (all.sessionCount > 0) all.broadcast(text, 'message', opts);
  const s = shardOf(env);
  if (s !== undefined) shards.get(s)?.broadcast(text, 'message', opts);
}

const server = http.createServer((req, res) => {
  if (handleCommon(req, res, broadcast)) return;
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method !== 'GET' || url.pathname !== '/events') {
    notFound(res);
    return;
  }
  const shard = url.searchParams.get('shard');
  let channel = all;
  if (shard !== null) {
    channel = shards.get(shard) ?? createChannel();
    shards.set(shard, channel);
  }
  void createSession(req, res, { serializer: (d: unknown) => String(d) }).then((session) => {
    channel.register(session);
    session.push('{}', 'hello', '0');
  });
});
listen(server, args, 'better-sse');
