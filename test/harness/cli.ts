/**
 * The real CLI: `dist/src/cli/main.js` spawned with node, its output collected and its exit
 * awaitable with deadlines. Used by the CLI and shutdown tests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** The test's environment without anything the config loader reads, so only flags configure. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('LIVEGATE_') || ['PORT', 'HOST', 'LOG_LEVEL'].includes(name)) continue;
    env[name] = value;
  }
  return env;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One run of the CLI, with its output collected and its exit awaitable with a deadline. */
export class Cli {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private exitInfo: Exit | undefined;
  private readonly exitPromise: Promise<Exit>;
  private listeners: (() => void)[] = [];

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [MAIN, ...args], {
      cwd: ROOT,
      env: { ...cleanEnv(), ...env },
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
      // 'close', not 'exit': 'exit' can come before the last stdout/stderr chunks are read, which
      // lost a usage error's whole stderr on a loaded machine.
      this.child.once('close', (code, signal) => {
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
  line(
    test: (line: string) => boolean,
    what: string,
    timeoutMs = 10_000,
    stream: 'stdout' | 'stderr' = 'stdout',
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this[stream].split('\n').find((l, i, all) => i < all.length - 1 && test(l));
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
        reject(new Error(`no ${stream} line with ${what} within ${timeoutMs} ms\n${this.output()}`));
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

  /** Resolves with the first stderr line matching `test`; rejects on exit or deadline. */
  stderrLine(test: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    return this.line(test, what, timeoutMs, 'stderr');
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
export async function runCli(
  args: readonly string[],
  timeoutMs = 60_000,
  env: NodeJS.ProcessEnv = {},
): Promise<{ exit: Exit; stdout: string; stderr: string }> {
  const cli = new Cli(args, env);
  const exit = await cli.exited(timeoutMs);
  return { exit, stdout: cli.stdout, stderr: cli.stderr };
}

/** Spawns `livegate serve` on a free loopback port and waits until `/readyz` says ready. */
export async function serveCli(extra: readonly string[] = []): Promise<{ cli: Cli; url: string; port: number }> {
  const port = await freePort();
  // Short flags on purpose: -p/-H/-l are the documented aliases of --port/--host/--log-level.
  const cli = new Cli(['serve', '-p', String(port), '-H', '127.0.0.1', '-l', 'info', ...extra]);
  const url = `http://127.0.0.1:${port}`;
  const exited = new AbortController();
  void cli.exited(60_000).then(
    () => exited.abort(new Error(`livegate serve exited before it was ready\n${cli.output()}`)),
    () => {},
  );
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, {
    timeoutMs: 60_000,
    what: `livegate serve on ${url} to be ready`,
    signal: exited.signal,
  });
  return { cli, url, port };
}

/** Builds dist/ when missing (`npm test` builds first; a direct `vitest run` on a fresh checkout builds here). */
export function ensureCliBuilt(): void {
  if (!existsSync(MAIN)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
}

/** Kills every CLI process still running (left behind by a failed test). */
export function killRunningClis(): void {
  for (const cli of running) cli.child.kill('SIGKILL');
}
