import { get as httpGet } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ensureCliBuilt, killRunningClis, serveCli } from '../harness/cli.js';
import { waitFor } from '../harness/wait.js';
import { TestWs } from '../harness/ws-client.js';

/**
 * The real process: `livegate serve` built to dist/, spawned with node, stopped by signals. Graceful
 * shutdown must tell every kind of client, refuse newcomers and exit 0. (The CLI's own behaviour:
 * cli.test.ts.)
 */

/** Opens a raw SSE stream with fetch and collects its text; resolves once `hello` arrived. */
async function openSse(url: string): Promise<{ text: () => string; ended: Promise<void> }> {
  const res = await fetch(`${url}/api/v2/events/stream?topics=shutdown-test`);
  expect(res.status).toBe(200);
  let text = '';
  let onChunk: () => void = () => {};
  const ended = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        onChunk();
      }
    } catch {
      // The server may reset the socket after its last frame; what arrived is in `text`.
    }
    onChunk();
  })();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no SSE hello within 10 s: ${JSON.stringify(text)}`)), 10_000);
    onChunk = () => {
      if (text.includes('event: hello\n')) {
        clearTimeout(timer);
        onChunk = () => {};
        resolve();
      }
    };
    onChunk();
  });
  return { text: () => text, ended };
}

/** A new HTTP connection (no keep-alive reuse) to an SSE stream: its status, or the connect error code. */
function tryNewSse(port: number): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/api/v2/events/stream?topics=late', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

/** A new WebSocket handshake: its HTTP refusal status, or the connect error code. */
function tryNewWs(port: number): Promise<{ status: number } | { error: string } | { opened: true }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/dashboard`);
    ws.once('open', () => {
      ws.terminate();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

function expectRefused(result: { status: number; body?: string } | { error: string } | { opened: true }): void {
  if ('error' in result) expect(result.error).toBe('ECONNREFUSED');
  else {
    expect(result).toMatchObject({ status: 503 });
    if ('body' in result && result.body !== undefined)
      expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'shutting_down' } });
  }
}

beforeAll(ensureCliBuilt, 120_000);

// Processes a failed test left behind (concurrent tests share the file, so not after each test).
afterAll(killRunningClis);

describe('graceful shutdown of the real process', () => {
  it('on SIGTERM tells SSE, WebSocket and long-poll clients, refuses new connections and exits 0', async () => {
    const { cli, url, port } = await serveCli();
    const sse = await openSse(url);
    const ws = await TestWs.open(`${url}/ws/dashboard`);
    await ws.subscribe({ topics: ['shutdown-test'] });
    const poll = fetch(`${url}/api/v2/events/poll?topics=shutdown-test&timeout=30`);
    await waitFor(
      async () => {
        const list = (await (await fetch(`${url}/api/v2/connections`)).json()) as {
          connections: { transport: string }[];
        };
        return list.connections.some((c) => c.transport === 'poll');
      },
      { timeoutMs: 10_000, what: 'the long-poll to be registered' },
    );

    cli.child.kill('SIGTERM');

    await sse.ended;
    expect(sse.text()).toMatch(/event: shutdown\ndata: \{"reason":"server_shutdown"[^\n]*\}\n\n/);
    expect(await ws.closed(10_000)).toBe(1001);
    const answer = await poll;
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { events: unknown[]; lastEventId: string; reset: boolean };
    expect(body).toMatchObject({ events: [], reset: false });
    expect(body.lastEventId).toMatch(/^[a-z0-9]{4,32}-\d+$/);

    expectRefused(await tryNewSse(port));
    expectRefused(await tryNewWs(port));

    expect(await cli.exited(10_000)).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toContain('"msg":"stopped"');
  }, 30_000);

  it('on SIGINT shuts down the same way and exits 0', async () => {
    const { cli, url } = await serveCli();
    const sse = await openSse(url);
    cli.child.kill('SIGINT');
    await sse.ended;
    expect(sse.text()).toContain('event: shutdown\n');
    expect(await cli.exited(10_000)).toEqual({ code: 0, signal: null });
  }, 30_000);
});

// Independent short-lived processes: run them side by side to keep the file fast.
