/**
 * Start a target server as a child process (pinned with taskset when asked), wait until it answers
 * HTTP, keep the tail of its output for error messages, and stop it (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { SpawnSpec } from '../targets/index.js';

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Servers still running; killed if the bench exits early (Ctrl-C, crash). */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Any HTTP response (even 404 or 401) means the server is listening and serving. */
function probe(host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export class ServerProcess {
  private readonly tail: string[] = [];
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
  ) {}

  static async start(
    spec: SpawnSpec,
    opts: { cpus: string | undefined; host: string; port: number; readyPath: string; timeoutMs: number; cwd: string },
  ): Promise<ServerProcess> {
    const command = opts.cpus ? 'taskset' : spec.command;
    const args = opts.cpus ? ['-c', opts.cpus, spec.command, ...spec.args] : spec.args;
    // taskset execs the command, so the pid is the server's own.
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    live.add(child);
    const sp = new ServerProcess(child, child.pid);
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        sp.tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
        if (sp.tail.length > 40) sp.tail.shift();
      }
    };
    // Always drain the pipes so a chatty server never blocks on a full pipe.
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => {
      live.delete(child);
      sp.exited = { code, signal };
    });
    const deadline = Date.now() + opts.timeoutMs;
    while (Date.now() < deadline) {
      if (sp.exited)
        throw new Error(
          `server exited during startup (code ${sp.exited.code}, signal ${sp.exited.signal})\n${sp.output()}`,
        );
      if (await probe(opts.host, opts.port, opts.readyPath)) return sp;
      await sleep(25);
    }
    await sp.stop();
    throw new Error(`server not answering on ${opts.host}:${opts.port} after ${opts.timeoutMs} ms\n${sp.output()}`);
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  output(): string {
    return this.tail.map((l) => `  | ${l}`).join('\n');
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  }
}
