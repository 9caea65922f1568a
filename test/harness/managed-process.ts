/**
 * A child process owned by a test: started with a readiness probe, stopped for sure.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { waitFor, type Probe } from './wait.js';

/** Options of {@link ManagedProcess}. */
export interface ManagedProcessOptions {
  /** Short name for messages, e.g. `'redis'`. */
  name: string;
  /** Executable to run (absolute path or a name found on `PATH`). */
  command: string;
  /** Arguments, reused unchanged by {@link ManagedProcess.restart}. Defaults to `[]`. */
  args?: readonly string[];
  /** Working directory. Defaults to the test process's. */
  cwd?: string;
  /** Environment. Defaults to the test process's `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Readiness probe, polled with {@link waitFor} after each spawn until it returns a truthy value;
   * a throw means "not ready yet". `start()` resolves only then.
   */
  ready: Probe<unknown>;
  /** Deadline for the readiness probe, in milliseconds. Defaults to `20_000`. */
  readyTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL in {@link ManagedProcess.stop}, in ms. Defaults to `5_000`. */
  stopTimeoutMs?: number;
  /** How many of the last output lines (stdout and stderr together) to keep. Defaults to `200`. */
  tailLines?: number;
}

/** How a run of the process ended. */
export interface ExitInfo {
  /** Exit code, or `null` when ended by a signal or never spawned. */
  code: number | null;
  /** Signal that ended it, or `null`. */
  signal: NodeJS.Signals | null;
  /** The spawn error (e.g. `ENOENT`), when the process could not be started at all. */
  error?: Error;
}

const defaults = {
  args: [] as readonly string[],
  readyTimeoutMs: 20_000,
  stopTimeoutMs: 5_000,
  tailLines: 200,
};

interface Run {
  child: ChildProcess;
  /** Kills `child` if the test process dies without running its exit hooks (e.g. SIGKILL). */
  reaper: ChildProcess | undefined;
  /** Resolves once the OS started the process; rejects with the spawn error (e.g. `ENOENT`). */
  spawned: Promise<void>;
  exited: Promise<ExitInfo>;
  info: ExitInfo | undefined;
}

/**
 * A server process owned by a test. Output is kept as a tail for failure messages; the process is
 * killed when the test process exits, even abnormally.
 *
 * Lifecycle: `start()` spawns and awaits readiness; `stop()` ends it gracefully (SIGTERM, then
 * SIGKILL after `stopTimeoutMs`); `kill()` ends it at once (SIGKILL); `restart()` is `stop()` then
 * `start()` with the same command and arguments, so a server comes back on the same port and data
 * directory. `stop()` and `kill()` are idempotent and may be followed by `start()` again.
 */
export class ManagedProcess {
  /** Name given in the options, used in every message. */
  readonly name: string;
  readonly #opts: Required<Omit<ManagedProcessOptions, 'cwd' | 'env'>> & Pick<ManagedProcessOptions, 'cwd' | 'env'>;
  readonly #tail: string[] = [];
  readonly #partial: Record<'out' | 'err', string> = { out: '', err: '' };
  #run: Run | undefined;
  #starting: Promise<this> | undefined;
  #stopping: Promise<void> | undefined;
  #lastExit: ExitInfo | undefined;

  constructor(opts: ManagedProcessOptions) {
    if (!opts.name) throw new TypeError('ManagedProcess: `name` is required, e.g. "redis"');
    if (!opts.command) throw new TypeError(`ManagedProcess(${opts.name}): \`command\` is required`);
    if (typeof opts.ready !== 'function') {
      throw new TypeError(`ManagedProcess(${opts.name}): \`ready\` must be a probe function`);
    }
    this.name = opts.name;
    this.#opts = {
      ...opts,
      args: opts.args ?? defaults.args,
      readyTimeoutMs: opts.readyTimeoutMs ?? defaults.readyTimeoutMs,
      stopTimeoutMs: opts.stopTimeoutMs ?? defaults.stopTimeoutMs,
      tailLines: opts.tailLines ?? defaults.tailLines,
    };
  }

  /** Process id of the current run, or `undefined` when not running. */
  get pid(): number | undefined {
    return this.running ? this.#run?.child.pid : undefined;
  }

  /** Whether a spawned process of this instance has not exited yet. */
  get running(): boolean {
    return this.#run !== undefined && this.#run.info === undefined && this.#run.child.pid !== undefined;
  }

  /** How the last run ended, or `undefined` if none has ended yet. */
  get lastExit(): ExitInfo | undefined {
    return this.#lastExit;
  }

  /** The command line, for messages. */
  get commandLine(): string {
    return [this.#opts.command, ...this.#opts.args].map(quoteArg).join(' ');
  }

  /**
   * The last output lines (at most `tailLines`, stdout and stderr interleaved, each prefixed with
   * `out| ` or `err| `, plus `harness| ` notes such as each spawn), across runs, joined with newlines.
   *
   * @param lines - How many of the kept lines to return. Defaults to all kept lines.
   */
  outputTail(lines?: number): string {
    const kept = lines === undefined ? this.#tail : this.#tail.slice(-lines);
    const partial = (['out', 'err'] as const)
      .filter((s) => this.#partial[s] !== '')
      .map((s) => `${s}| ${this.#partial[s]}`);
    return [...kept, ...partial].join('\n');
  }

  /** A multi-line description (name, pid, command, last exit, output tail) for failure messages. */
  describe(lines = 40): string {
    const exit = this.#lastExit ? `code=${this.#lastExit.code} signal=${this.#lastExit.signal}` : 'none';
    return [
      `${this.name} (pid ${this.pid ?? '-'}, last exit: ${exit})`,
      `command: ${this.commandLine}`,
      `--- last ${lines} output lines ---`,
      this.outputTail(lines) || '(no output)',
    ].join('\n');
  }

  /**
   * Resolves when the current run has exited (at once if not running), with how it ended.
   * Use it to observe a crash; to end the process use {@link stop} or {@link kill}.
   */
  async waitForExit(): Promise<ExitInfo | undefined> {
    if (!this.#run) return this.#lastExit;
    return this.#run.exited;
  }

  /**
   * Spawns the process and resolves once the readiness probe succeeds. Rejects, after killing the
   * process, if it exits first or is not ready within `readyTimeoutMs`; the error carries the output
   * tail. Calling it while a run is alive throws a `TypeError`.
   */
  async start(): Promise<this> {
    if (this.#starting) return this.#starting;
    if (this.running) {
      throw new TypeError(`ManagedProcess(${this.name}) is already running (pid ${this.pid}); stop() it first`);
    }
    this.#starting = this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<this> {
    if (this.#stopping) await this.#stopping;
    const run = this.#spawn();
    const aborter = new AbortController();
    void run.exited.then((info) => {
      const how = info.error
        ? `could not be spawned: ${info.error.message}`
        : `exited (code=${info.code} signal=${info.signal})`;
      aborter.abort(new Error(`${this.name} ${how} before it was ready`));
    });
    try {
      // A missing binary is reported asynchronously ('error' instead of 'spawn'): wait for the verdict
      // so a probe that happens to succeed (another server on the port) cannot hide it.
      await run.spawned;
      await waitFor(this.#opts.ready, {
        timeoutMs: this.#opts.readyTimeoutMs,
        what: `${this.name} to be ready`,
        intervalMs: 50,
        signal: aborter.signal,
      });
      if (run.info) throw aborter.signal.reason ?? new Error(`${this.name} exited while it became ready`);
    } catch (error) {
      await this.#signalAndWait(run, 'SIGKILL');
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${this.name} failed to start: ${reason}\n${this.describe()}`, { cause: error });
    }
    return this;
  }

  #spawn(): Run {
    const { command, args, cwd, env } = this.#opts;
    const child = spawn(command, [...args], {
      cwd,
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#push(`harness| spawned: ${this.commandLine}`);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.#record('out', chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.#record('err', chunk));

    const run: Run = {
      child,
      reaper: undefined,
      spawned: new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      }),
      exited: Promise.resolve({ code: null, signal: null }),
      info: undefined,
    };
    run.exited = new Promise<ExitInfo>((resolve) => {
      const finish = (info: ExitInfo) => {
        if (run.info) return;
        run.info = info;
        this.#lastExit = info;
        liveChildren.delete(child);
        run.reaper?.kill('SIGKILL');
        this.#flushPartial();
        resolve(info);
      };
      // 'close' rather than 'exit': the output tail is then complete when a failure is reported.
      child.once('close', (code, signal) => finish({ code, signal }));
      child.once('error', (error) => {
        if (child.pid === undefined) finish({ code: null, signal: null, error });
      });
    });
    if (child.pid !== undefined) {
      liveChildren.add(child);
      installExitHooks();
      run.reaper = spawnReaper(child.pid);
    }
    this.#run = run;
    return run;
  }

  /**
   * Ends the process gracefully: SIGTERM, then SIGKILL if it is still alive after `stopTimeoutMs`.
   * Idempotent: resolves at once when not running, and concurrent calls share one stop.
   */
  async stop(): Promise<void> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    const run = this.#run;
    if (!run || run.info) return;
    this.#stopping ??= this.#stopRun(run).finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  async #stopRun(run: Run): Promise<void> {
    run.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      run.exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#opts.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!graceful) {
      this.#push(`harness| no exit ${this.#opts.stopTimeoutMs} ms after SIGTERM; sending SIGKILL`);
      await this.#signalAndWait(run, 'SIGKILL');
    }
  }

  /** Ends the process at once with SIGKILL (a crash, for fault tests) and resolves when it is gone. */
  async kill(): Promise<void> {
    const run = this.#run;
    if (!run || run.info) return;
    await this.#signalAndWait(run, 'SIGKILL');
  }

  /** {@link stop}, then {@link start} with the same command and arguments. Works after `kill()` too. */
  async restart(): Promise<this> {
    await this.stop();
    return this.start();
  }

  async #signalAndWait(run: Run, signal: NodeJS.Signals): Promise<void> {
    if (run.info) return;
    run.child.kill(signal);
    await run.exited;
  }

  #record(stream: 'out' | 'err', chunk: string): void {
    const text = this.#partial[stream] + chunk;
    const lines = text.split('\n');
    this.#partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.#push(`${stream}| ${line}`);
  }

  #flushPartial(): void {
    for (const stream of ['out', 'err'] as const) {
      if (this.#partial[stream] !== '') this.#push(`${stream}| ${this.#partial[stream]}`);
      this.#partial[stream] = '';
    }
  }

  #push(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > this.#opts.tailLines) this.#tail.splice(0, this.#tail.length - this.#opts.tailLines);
  }
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Children alive right now, across every ManagedProcess of this test process. */
const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killAllNow(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  liveChildren.clear();
}

/**
 * Installs, once, the hooks that kill every live child when the test process ends: on `exit`, and on
 * SIGINT/SIGTERM/SIGHUP. When nobody else handles the signal, the process then exits with
 * `128 + signal number` as the default action would, but through `process.exit` so that the other
 * exit hooks (temp dir removal) run too.
 */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      if (process.listenerCount(signal) === 0) process.exit(128 + osConstants.signals[signal]);
    });
  }
}

/**
 * Exit hooks do not run when the test process is SIGKILLed (as a test runner does to a stuck worker).
 * For that case a tiny detached shell holds the read end of a pipe from this process: when this
 * process dies, the pipe closes, `read` returns and the shell kills the child. It is itself killed
 * as soon as the child exits normally.
 */
function spawnReaper(pid: number): ChildProcess | undefined {
  try {
    const reaper = spawn('/bin/sh', ['-c', 'read line; kill -KILL "$1" 2>/dev/null', 'livegate-reaper', String(pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    reaper.on('error', () => undefined);
    reaper.stdin?.on('error', () => undefined);
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return reaper;
  } catch {
    return undefined;
  }
}
