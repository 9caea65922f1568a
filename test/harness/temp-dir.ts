/**
 * Temporary directories for the data of servers started by the harness.
 *
 * @module
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A directory created under the system temp dir, removed by {@link TempDir.remove}. */
export interface TempDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Removes the directory and everything in it. Idempotent. */
  remove(): Promise<void>;
}

/** Directories not yet removed; the exit hook removes them so a crashed test leaves no litter. */
const pending = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    // Set LIVEGATE_KEEP_TMP=1 to keep data directories of a failed run for inspection.
    if (process.env.LIVEGATE_KEEP_TMP === '1') return;
    for (const path of pending) {
      try {
        rmSync(path, { recursive: true, force: true });
      } catch {
        // Best effort: the process is exiting and cannot report anything useful anymore.
      }
    }
  });
}

/**
 * Creates a fresh, uniquely named directory `<os tmpdir>/livegate-<prefix>-XXXXXX`.
 *
 * The directory is also removed when the test process exits, unless `LIVEGATE_KEEP_TMP=1` is set.
 *
 * @param prefix - Short name of what the directory holds, such as `'redis'`; only `[A-Za-z0-9_-]`.
 */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) {
    throw new TypeError(`makeTempDir: prefix ${JSON.stringify(prefix)} must match [A-Za-z0-9_-]+`);
  }
  installExitHook();
  const path = await mkdtemp(join(tmpdir(), `livegate-${prefix}-`));
  pending.add(path);
  let removal: Promise<void> | undefined;
  return {
    path,
    remove() {
      removal ??= rm(path, { recursive: true, force: true }).then(() => {
        pending.delete(path);
      });
      return removal;
    },
  };
}
