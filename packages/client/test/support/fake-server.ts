import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A tiny stand-in for the livegate server's wire protocol, scripted per test: each endpoint
 * calls the handler the test installed. It exists to test the transports' bytes against real
 * EventSource, WebSocket and fetch implementations; the real server is tested elsewhere.
 */
export class FakeServer {
  readonly requests: URL[] = [];
  readonly requestHeaders: Record<string, string | string[] | undefined>[] = [];
  readonly sockets: WebSocket[] = [];
  readonly received: Record<string, unknown>[] = [];
  onSse: (req: IncomingMessage, res: ServerResponse, url: URL) => void = (_req, res) => res.writeHead(404).end();
  onPoll: (req: IncomingMessage, res: ServerResponse, url: URL) => void = (_req, res) => res.writeHead(404).end();
  onWs: ((socket: WebSocket, url: URL) => void) | null = null;
  onWsMessage: (socket: WebSocket, message: Record<string, unknown>) => void = () => undefined;
  /** Answer to refuse the WebSocket handshake with, if any. */
  refuseUpgrade: { status: number; body: string } | null = null;
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly open = new Set<ServerResponse>();

  private constructor() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      this.requests.push(url);
      this.requestHeaders.push(req.headers);
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      if (url.pathname.endsWith('/api/v2/events/stream')) this.onSse(req, res, url);
      else if (url.pathname.endsWith('/api/v2/events/poll')) this.onPoll(req, res, url);
      else res.writeHead(404).end();
    });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      this.requests.push(url);
      if (this.refuseUpgrade !== null || this.onWs === null) {
        const { status, body } = this.refuseUpgrade ?? { status: 404, body: '{}' };
        socket.end(
          `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.sockets.push(ws);
        ws.on('message', (data) => {
          const message = JSON.parse(data.toString()) as Record<string, unknown>;
          this.received.push(message);
          this.onWsMessage(ws, message);
        });
        this.onWs?.(ws, url);
      });
    });
  }

  static async start(): Promise<FakeServer> {
    const s = new FakeServer();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

/** Starts an SSE answer with the headers and `retry:` line livegate sends. */
export function startStream(res: ServerResponse, retryMs = 2000): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform' });
  res.write(`retry: ${retryMs}\n\n`);
}

/** One SSE frame. */
export function frame(data: unknown, init: { event?: string; id?: string } = {}): string {
  return `${init.event === undefined ? '' : `event: ${init.event}\n`}${init.id === undefined ? '' : `id: ${init.id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

/** Sends a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/**
 * Resolves once `predicate` holds, polling; rejects after `timeoutMs` with `what`. The default is
 * generous: these tests assert what happens, not how fast, and share two cores with the suite.
 */
export async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
