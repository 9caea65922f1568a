import { WebSocket } from 'ws';

/** A message received on a test WebSocket. */
export type WsMessage = Record<string, unknown> & { op: string };

/**
 * A `ws` client that records every JSON message and lets a test wait for one matching a
 * predicate with a deadline, instead of sleeping.
 */
export class TestWs {
  readonly messages: WsMessage[] = [];
  readonly socket: WebSocket;
  closeCode: number | undefined;
  closeReason = '';
  private waiters: { predicate: (m: WsMessage) => boolean; resolve: (m: WsMessage) => void }[] = [];
  private closeWaiters: (() => void)[] = [];
  private cursor = 0;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as WsMessage;
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      for (const w of this.closeWaiters) w();
    });
  }

  /** Connects to `url` (http:// is turned into ws://) and waits for `hello`. */
  static async open(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<TestWs> {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), options);
    const client = new TestWs(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
    });
    await client.next((m) => m.op === 'hello');
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with the first message (received so far or later) after the read cursor matching `predicate`. */
  next(predicate: (m: WsMessage) => boolean, timeoutMs = 5000): Promise<WsMessage> {
    for (let i = this.cursor; i < this.messages.length; i++) {
      if (predicate(this.messages[i]!)) {
        this.cursor = i + 1;
        return Promise.resolve(this.messages[i]!);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching WebSocket message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          this.cursor = this.messages.length;
          resolve(m);
        },
      });
    });
  }

  /** Sends a subscribe op and waits for `subscribed`; returns the subscription id. */
  async subscribe(
    request: Record<string, unknown>,
    id = `r${Math.random().toString(36).slice(2, 8)}`,
  ): Promise<string> {
    this.send({ op: 'subscribe', id, ...request });
    const reply = await this.next((m) => m.id === id && (m.op === 'subscribed' || m.op === 'error'));
    if (reply.op === 'error') throw new Error(`subscribe refused: ${JSON.stringify(reply)}`);
    return reply.subscription as string;
  }

  /** Events received so far for a subscription, batches flattened. */
  events(subscription?: string): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const m of this.messages) {
      if (subscription !== undefined && m.subscription !== subscription) continue;
      if (m.op === 'event') out.push(m.event as Record<string, unknown>);
      if (m.op === 'events') out.push(...(m.events as Record<string, unknown>[]));
    }
    return out;
  }

  /** Waits until the socket is closed; resolves with the close code. */
  closed(timeoutMs = 5000): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve(this.closeCode!);
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}
