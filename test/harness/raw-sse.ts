import { waitFor } from './wait.js';

/** An SSE stream read through fetch, kept as raw text so frames can be checked byte for byte. */
export class RawSse {
  text = '';
  ended = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private readonly controller: AbortController;
  private reading: Promise<void>;

  private constructor(res: Response, controller: AbortController) {
    this.controller = controller;
    this.reader = res.body!.getReader();
    this.reading = this.pump();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<RawSse> {
    const controller = new AbortController();
    const res = await fetch(url, { headers, signal: controller.signal });
    if (res.status !== 200) throw new Error(`SSE stream refused: ${res.status} ${await res.text()}`);
    return new RawSse(res, controller);
  }

  /** The first control event of this name, parsed, waiting for it with a deadline. */
  async control(name: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const pattern = new RegExp(`(?:^|\\n)event: ${name}\\ndata: (.*)\\n\\n`);
    const match = await waitFor(() => pattern.exec(this.text), {
      timeoutMs,
      intervalMs: 5,
      what: `SSE event "${name}"; have ${JSON.stringify(this.text.slice(-300))}`,
    });
    return JSON.parse(match[1]!) as Record<string, unknown>;
  }

  /** Waits until the server ends the stream. */
  async end(timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.ended, { timeoutMs, intervalMs: 5, what: 'the server to end the SSE stream' });
    await this.reading;
  }

  close(): void {
    this.controller.abort();
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        this.text += this.decoder.decode(value, { stream: true });
      }
    } catch {
      // Aborted by close().
    }
    this.ended = true;
  }
}
