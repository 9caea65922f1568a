import { EventSource } from 'eventsource';

/** A received SSE message: unnamed events (`message`) carry envelopes; controls are named. */
export interface SseMessage {
  readonly event: string;
  readonly id: string;
  readonly data: Record<string, unknown>;
  /** `data` as it came, to check exact bytes. */
  readonly raw: string;
}

const CONTROLS = ['hello', 'heartbeat', 'reset', 'shutdown', 'error'] as const;

/**
 * Wraps the `eventsource` npm client (the real client, with its own reconnect and Last-Event-ID
 * handling) and records every message so tests can wait on them with deadlines.
 */
export class TestSse {
  readonly messages: SseMessage[] = [];
  readonly source: EventSource;
  private waiters: { predicate: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }[] = [];
  opened = 0;

  constructor(url: string, init: { headers?: Record<string, string> } = {}) {
    const headers = init.headers;
    this.source = new EventSource(
      url,
      headers === undefined
        ? {}
        : { fetch: (input, options) => fetch(input, { ...options, headers: { ...options?.headers, ...headers } }) },
    );
    this.source.onopen = () => this.opened++;
    this.source.onmessage = (e) => this.record('message', e.lastEventId, e.data);
    for (const name of CONTROLS)
      this.source.addEventListener(name, (e) =>
        this.record(name, (e as MessageEvent).lastEventId, (e as MessageEvent).data as string),
      );
  }

  /** Envelopes received so far (unnamed events), in order. */
  events(): Record<string, unknown>[] {
    return this.messages.filter((m) => m.event === 'message').map((m) => m.data);
  }

  /** Resolves with the first recorded or future message matching `predicate`. */
  next(predicate: (m: SseMessage) => boolean, timeoutMs = 5000): Promise<SseMessage> {
    const found = this.messages.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching SSE message within ${timeoutMs} ms; last: ${JSON.stringify(this.messages.slice(-3))}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Waits until `count` envelopes have arrived. */
  async waitForEvents(count: number, timeoutMs = 5000): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events().length < count) {
      if (Date.now() > deadline)
        throw new Error(`got ${this.events().length} of ${count} events within ${timeoutMs} ms`);
      await this.next(() => this.events().length >= count, Math.max(1, deadline - Date.now())).catch(() => undefined);
    }
    return this.events();
  }

  close(): void {
    this.source.close();
  }

  private record(event: string, id: string, data: string | undefined): void {
    // The client's own `error` events (a dropped connection it is about to retry) carry no data.
    if (data === undefined) return;
    const message: SseMessage = { event, id, data: JSON.parse(data) as Record<string, unknown>, raw: data };
    this.messages.push(message);
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(message)) return true;
      w.resolve(message);
      return false;
    });
  }
}
