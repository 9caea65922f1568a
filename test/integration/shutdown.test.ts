import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { freePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';
import { TestWs } from '../harness/ws-client.js';

/**
 * The real process: `livegate serve` built to dist/, spawned with node, stopped by signals. Graceful
 * shutdown must tell every kind of client, refuse newcomers and exit 0; bad configuration must exit 2
 * with a message naming the key; the CLI's publish and tail must work against a running server.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** The test's environment without anything the config loader reads, so only flags configure. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('LIVEGATE_') || ['PORT', 'HOST', 'LOG_LEVEL'].includes(name)) continue;
    env[name] = value;
  }
  return env;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One run of the CLI, with its output collected and its exit awaitable with a deadline. */
class Cli {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private exitInfo: Exit | undefined;
  private readonly exitPromise: Promise<Exit>;
  private listeners: (() => void)[] = [];

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [MAIN, ...args], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        running.delete(this);
        this.notify();
        resolve(this.exitInfo);
      });
    });
  }

  /** Resolves with the exit once the process ended; rejects if it is still running after `timeoutMs`. */
  exited(timeoutMs: number): Promise<Exit> {
    return Promise.race([
      this.exitPromise,
      new Promise<never>((_, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`process still running after ${timeoutMs} ms\n${this.output()}`)),
          timeoutMs,
        );
        void this.exitPromise.then(() => clearTimeout(timer));
      }),
    ]);
  }

  /** Resolves with the first stdout line matching `test`; rejects on exit or deadline. */
  line(test: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.stdout.split('\n').find((l, i, all) => i < all.length - 1 && test(l));
        if (found !== undefined) {
          resolve(found);
          return true;
        }
        if (this.exitInfo !== undefined) {
          reject(new Error(`process exited (${JSON.stringify(this.exitInfo)}) before ${what}\n${this.output()}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        reject(new Error(`no stdout line with ${what} within ${timeoutMs} ms\n${this.output()}`));
      }, timeoutMs);
      const listener = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.listeners = this.listeners.filter((l) => l !== listener);
        }
      };
      this.listeners.push(listener);
    });
  }

  output(): string {
    return `--- stdout ---\n${this.stdout.slice(-3000)}\n--- stderr ---\n${this.stderr.slice(-3000)}`;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

const running = new Set<Cli>();

/** Runs the CLI to completion. */
async function runCli(
  args: readonly string[],
  timeoutMs = 15_000,
): Promise<{ exit: Exit; stdout: string; stderr: string }> {
  const cli = new Cli(args);
  const exit = await cli.exited(timeoutMs);
  return { exit, stdout: cli.stdout, stderr: cli.stderr };
}

/** Spawns `livegate serve` on a free loopback port and waits until `/readyz` says ready. */
async function serve(): Promise<{ cli: Cli; url: string; port: number }> {
  const port = await freePort();
  const cli = new Cli(['serve', '--port', String(port), '--host', '127.0.0.1', '--log-level', 'info']);
  const url = `http://127.0.0.1:${port}`;
  const exited = new AbortController();
  void cli.exited(60_000).then(
    () => exited.abort(new Error(`livegate serve exited before it was ready\n${cli.output()}`)),
    () => {},
  );
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, {
    timeoutMs: 20_000,
    what: `livegate serve on ${url} to be ready`,
    signal: exited.signal,
  });
  return { cli, url, port };
}

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

beforeAll(() => {
  // `npm test` builds first; a direct `vitest run` of this file on a fresh checkout builds here.
  if (!existsSync(MAIN)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
}, 120_000);

// Processes a failed test left behind (concurrent tests share the file, so not after each test).
afterAll(() => {
  for (const cli of running) cli.child.kill('SIGKILL');
});

describe('graceful shutdown of the real process', () => {
  it('on SIGTERM tells SSE, WebSocket and long-poll clients, refuses new connections and exits 0', async () => {
    const { cli, url, port } = await serve();
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
    const { cli, url } = await serve();
    const sse = await openSse(url);
    cli.child.kill('SIGINT');
    await sse.ended;
    expect(sse.text()).toContain('event: shutdown\n');
    expect(await cli.exited(10_000)).toEqual({ code: 0, signal: null });
  }, 30_000);
});

// Independent short-lived processes: run them side by side to keep the file fast.
describe.concurrent('bad configuration', () => {
  it.for([
    { args: ['--port', '99999'], key: /config port \(flag --port\)/, allowed: /allowed: 0 to 65535/ },
    {
      args: ['--log-level', 'loud'],
      key: /config log\.level \(flag --log-level\)/,
      allowed: /allowed: fatal, error, warn, info, debug, trace, silent/,
    },
    { args: ['--unknown-flag', 'x'], key: /config --unknown-flag: unknown flag/, allowed: /see --help for the list/ },
  ])('exits 2 on serve $args, naming the key and what it allows', async ({ args, key, allowed }, { expect }) => {
    const { exit, stderr, stdout } = await runCli(['serve', ...args]);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(stderr).toMatch(key);
    expect(stderr).toMatch(allowed);
    expect(stderr).toContain('Run "livegate serve --help" for usage.');
    expect(stdout).not.toContain('livegate listening');
  });
});

describe.concurrent('help', () => {
  it.for([
    { args: ['--help'], shows: 'Usage: livegate <command> [options]' },
    { args: ['serve', '--help'], shows: 'Usage: livegate serve' },
    { args: ['publish', '--help'], shows: 'Usage: livegate publish' },
    { args: ['tail', '--help'], shows: 'Usage: livegate tail' },
  ])('livegate $args exits 0 and prints usage', async ({ args, shows }, { expect }) => {
    const { exit, stdout } = await runCli(args);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stdout).toContain(shows);
  });

  it('serve --help lists each key with its flag, env var and allowed values', async ({ expect }) => {
    const { stdout } = await runCli(['serve', '--help']);
    expect(stdout).toMatch(/log\.level\s+--log-level\s+LIVEGATE_LOG_LEVEL\s+"info"/);
    expect(stdout).toContain('Allowed: fatal, error, warn, info, debug, trace, silent.');
  });
});

describe('CLI publish and tail against a running server', () => {
  let server: { cli: Cli; url: string };
  beforeAll(async () => {
    server = await serve();
  }, 30_000);
  afterAll(async () => {
    server.cli.child.kill('SIGTERM');
    await server.cli.exited(10_000);
  });

  it('publish prints the assigned id and tail prints the published envelope', async () => {
    const { head } = (await (await fetch(`${server.url}/api/v2/info`)).json()) as { head: string };
    // Resuming from the head makes tail see the event whether it connects before or after publish.
    const tail = new Cli(['tail', '--url', server.url, '--topics', 'cli-test', '--since', head]);

    const published = await runCli([
      'publish',
      '--url',
      server.url,
      '--topic',
      'cli-test',
      '--type',
      'deployed',
      '--label',
      'env=prod',
      '--data',
      '{"version":"1.2.3"}',
    ]);
    expect(published.exit).toEqual({ code: 0, signal: null });
    const lines = published.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const id = lines[0]!;
    expect(id).toMatch(/^[a-z0-9]{4,32}-\d+$/);

    const line = await tail.line((l) => l.includes(`"id":"${id}"`), `the envelope of ${id}`);
    expect(JSON.parse(line)).toMatchObject({
      id,
      topic: 'cli-test',
      type: 'deployed',
      labels: { env: 'prod' },
      data: { version: '1.2.3' },
    });

    tail.child.kill('SIGINT');
    expect(await tail.exited(10_000)).toEqual({ code: 0, signal: null });
  }, 30_000);
});
