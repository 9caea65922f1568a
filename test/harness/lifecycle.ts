/**
 * The lifecycle every harness server shares: start a {@link ManagedProcess} that works in a temp
 * dir (removing the dir if start fails), then stop for good, restart on the same port, or kill.
 *
 * @module
 */
import type { ManagedProcess } from './managed-process.js';
import type { TempDir } from './temp-dir.js';

/** Lifecycle part of a server handle. Extra fields are added with `Object.assign`, which keeps the `pid` getter live. */
export interface ServerLifecycle {
  /** The underlying process, for `pid`, `outputTail()` and `describe()`. */
  readonly process: ManagedProcess;
  /** Process id, or `undefined` while down. */
  readonly pid: number | undefined;
  /** Graceful stop, then removes the temp dir. Final and idempotent. */
  stop(): Promise<void>;
  /** Stops (if running) and starts again on the same port; works after `kill()`. */
  restart(): Promise<void>;
  /** SIGKILL, keeping the port reserved for a later `restart()`. */
  kill(): Promise<void>;
}

/**
 * Starts `proc` and returns its lifecycle. `startAgain` names the function to call for a fresh
 * server, for the error thrown by `restart()` after `stop()`.
 */
export async function launch(proc: ManagedProcess, dir: TempDir, startAgain: string): Promise<ServerLifecycle> {
  try {
    await proc.start();
  } catch (error) {
    await dir.remove();
    throw error;
  }
  let stopped = false;
  return {
    process: proc,
    get pid() {
      return proc.pid;
    },
    async stop() {
      stopped = true;
      await proc.stop();
      await dir.remove();
    },
    async restart() {
      if (stopped) throw new TypeError(`${proc.name} was stopped for good; start a new one with ${startAgain}`);
      await proc.restart();
    },
    kill: () => proc.kill(),
  };
}
