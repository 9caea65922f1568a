/**
 * The deployment files shipped in the repository: the systemd unit passes `systemd-analyze verify`
 * (Debian package `systemd`), and the Dockerfile is multi-stage, runs as a non-root user and its
 * HEALTHCHECK command really tells a live livegate from a missing one. (No image is built here:
 * there is no container runtime on the test machines.)
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LivegateServer } from '../../src/http/server.js';
import { startTestServer } from '../harness/livegate.js';
import { freePort } from '../harness/ports.js';
import { makeTempDir, type TempDir } from '../harness/temp-dir.js';

const execFileAsync = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const UNIT = join(ROOT, 'deploy/systemd/livegate.service');
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** Runs a command; resolves with its exit code and combined output instead of throwing. */
async function exec(file: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, { env, timeout: 20_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('deploy');
});
afterAll(async () => {
  await tmp.remove();
});

/**
 * The unit as shipped, or, where Node is not at /usr/bin/node (verify checks that ExecStart's
 * program exists), a copy pointing at the running Node; nothing else differs.
 */
function unitToVerify(): string {
  if (existsSync('/usr/bin/node')) return UNIT;
  const copy = join(tmp.path, 'livegate.service');
  writeFileSync(copy, readFileSync(UNIT, 'utf8').replace('/usr/bin/node ', `${process.execPath} `));
  return copy;
}

describe('deploy/systemd/livegate.service', () => {
  it('passes systemd-analyze verify without a single message', async () => {
    const { code, output } = await exec('systemd-analyze', ['verify', unitToVerify()]);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('is checked strictly enough to catch a trailing comment after a value', async () => {
    // The defect the unit in docs/operations.md once had: systemd reads "20  # …" as the value.
    const broken = join(tmp.path, 'broken.service');
    writeFileSync(
      broken,
      readFileSync(unitToVerify(), 'utf8').replace('TimeoutStopSec=20', 'TimeoutStopSec=20  # > 10 s'),
    );
    const { output } = await exec('systemd-analyze', ['verify', broken]);
    expect(output).toMatch(/Failed to parse/);
  });

  it('starts the built server with the documented config path and stops after shutdown.timeoutMs', () => {
    const unit = readFileSync(UNIT, 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/livegate\/dist\/src\/cli\/main\.js serve --config \S+$/m);
    expect(existsSync(join(ROOT, 'dist/src/cli/main.js'))).toBe(true);
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1])).toBeGreaterThan(10);
    expect(unit).toMatch(/^User=livegate$/m);
  });
});

describe('Dockerfile', () => {
  const stages = DOCKERFILE.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';

  it('builds in one stage and runs from a second, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/ AS build\n/);
    expect(runtime).toMatch(/^USER (node|\d{3,})$/m);
    expect(runtime).not.toMatch(/^RUN npm ci/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/src\/cli\/main\.js", "serve"\]$/m);
  });

  it('copies into the runtime image only what npm run build produced', () => {
    const copied = [...runtime.matchAll(/^COPY --from=build \/src\/(\S+) /gm)].map((m) => m[1]!);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'node_modules', 'dist', 'web/dist']));
    for (const path of copied) expect(existsSync(join(ROOT, path)), path).toBe(true);
  });

  describe('HEALTHCHECK', () => {
    const match = /^HEALTHCHECK [^\n]*\\\n\s+CMD (\[.*\])$/m.exec(DOCKERFILE);
    const command = JSON.parse(match?.[1] ?? '[]') as string[];
    let server: LivegateServer;
    beforeAll(async () => {
      server = await startTestServer({ stats: { intervalMs: 0 } });
    });
    afterAll(async () => {
      await server.close();
    });

    it('probes /healthz with node, the only program the image is sure to have', () => {
      expect(command[0]).toBe('node');
      expect(command.join(' ')).toContain('/healthz');
    });

    it('exits 0 while livegate answers on $PORT', async () => {
      const { code } = await exec(process.execPath, command.slice(1), { ...process.env, PORT: String(server.port) });
      expect(code).toBe(0);
    });

    it('exits 1 when nothing listens on $PORT', async () => {
      const port = await freePort();
      const { code } = await exec(process.execPath, command.slice(1), { ...process.env, PORT: String(port) });
      expect(code).toBe(1);
    });
  });
});
