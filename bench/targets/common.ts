/**
 * Shared plumbing of the baseline servers, so that they differ only in how they broadcast:
 * `--port`/`--host` flags, `POST /publish` (JSON array of drafts → envelopes, 202 `{"ids":[…]}`),
 * `GET /metrics` (RSS and heap in Prometheus text, same names as livegate's), and a ready line.
 *
 * Envelopes have livegate's shape (`{id,seq,topic,type,source,time,labels,data}`) and are
 * serialized once per event, as a fair broadcast server would do.
 */
import type http from 'node:http';

export interface Draft {
  topic: string;
  type: string;
  source?: string;
  labels?: Record<string, string>;
  data?: unknown;
}

export interface Envelope {
  id: string;
  seq: number;
  topic: string;
  type: string;
  source: string;
  time: string;
  labels: Record<string, string>;
  data: unknown;
}

export interface ServerArgs {
  port: number;
  host: string;
}

export function parseServerArgs(argv: string[] = process.argv.slice(2)): ServerArgs {
  let port = Number(process.env.PORT ?? 0);
  let host = '127.0.0.1';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = (): string => inline ?? argv[++i] ?? '';
    if (k === '--port') port = Number(val());
    else if (k === '--host') host = val();
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${port}`);
  return { port, host };
}

let seq = 0;

/** Turn a draft into an envelope with the next sequence number. */
export function stamp(d: Draft): Envelope {
  seq++;
  return {
    id: String(seq),
    seq,
    topic: d.topic,
    type: d.type,
    source: d.source ?? 'api',
    time: new Date().toISOString(),
    labels: d.labels ?? {},
    data: d.data ?? null,
  };
}

/** Route key of an envelope's label filter (`shard` label), or undefined. */
export function shardOf(env: Envelope): string | undefined {
  return env.labels.shard;
}

const MAX_BODY = 8 * 1024 * 1024;

/**
 * Handle `POST /publish` and `GET /metrics`; returns false for other requests.
 * `broadcast` is called once per envelope, in order.
 */
export function handleCommon(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  broadcast: (env: Envelope) => void,
): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'POST' && path === '/publish') {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      let drafts: unknown;
      try {
        drafts = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid JSON"}');
        return;
      }
      const list = Array.isArray(drafts) ? (drafts as Draft[]) : [drafts as Draft];
      const ids: string[] = [];
      for (const d of list) {
        const env = stamp(d);
        ids.push(env.id);
        broadcast(env);
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ ids }));
    });
    return true;
  }
  if (req.method === 'GET' && path === '/metrics') {
    const m = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      `# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ${m.rss}\n` +
        `# TYPE nodejs_heap_size_used_bytes gauge\nnodejs_heap_size_used_bytes ${m.heapUsed}\n`,
    );
    return true;
  }
  if (req.method === 'GET' && path === '/healthz') {
    res.writeHead(200).end('ok');
    return true;
  }
  return false;
}

export function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

/** Listen and print one JSON ready line on stdout. */
export function listen(server: http.Server, args: ServerArgs, name: string): void {
  server.listen({ port: args.port, host: args.host, backlog: 4096 }, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : args.port;
    process.stdout.write(`${JSON.stringify({ ready: true, target: name, port })}\n`);
  });
  const stop = (): void => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
