/**
 * The one test command (`npm run test:ci` → scripts/test-setup.sh): README and CI name the same
 * command, a fresh machine gets every Debian package the suite needs, a warm one gets none.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../harness/temp-dir.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'scripts/test-setup.sh');

/** Every package the suite starts or runs a program of. */
const PACKAGES = [
  'prometheus',
  'prometheus-alertmanager',
  'chromium',
  'fonts-liberation',
  'nginx',
  'redis-server',
  'nats-server',
  'systemd',
];

async function setup(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('bash', [SCRIPT, ...args], { env: { ...process.env, ...env }, timeout: 20_000 });
  return stdout;
}

describe('the fresh-machine test command', () => {
  let emptyDpkg: TempDir;

  beforeAll(async () => {
    emptyDpkg = await makeTempDir('dpkg');
    writeFileSync(join(emptyDpkg.path, 'status'), '');
  });
  afterAll(async () => {
    await emptyDpkg.remove();
  });

  it('is the command the README gives and the one .ci/run executes', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['test:ci']).toBe('bash scripts/test-setup.sh');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const development = readme.slice(readme.indexOf('## Development'));
    expect(/```sh\n(.*)\n```/.exec(development)?.[1]).toBe('npm run test:ci');
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const commands = ci.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(commands.at(-1)).toBe('exec npm run test:ci');
  });

  it('installs every package the suite needs on a machine that has none of them', async () => {
    const out = await setup(['--dry-run', '--setup-only'], {
      TEST_SETUP_PROBE_PATH: '/nonexistent',
      TEST_SETUP_DPKG_ADMINDIR: emptyDpkg.path,
    });
    expect(out).toContain(`missing: ${PACKAGES.join(' ')}\n`);
    expect(out).toContain('would run: apt-get update\n');
    expect(out).toContain(`would run: apt-get install -y --no-install-recommends ${PACKAGES.join(' ')}\n`);
  });

  it('installs nothing on this machine, which has them all, and checks quickly', async () => {
    const started = performance.now();
    const out = await setup(['--dry-run', '--setup-only']);
    expect(out).toBe('\n==> system packages\nall present\n');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('plans npm ci only when node_modules was not installed from this lockfile', async () => {
    // A copy of the script in a scratch project, so both states of the stamp can be set up.
    const project = await makeTempDir('setup-project');
    try {
      mkdirSync(join(project.path, 'scripts'));
      mkdirSync(join(project.path, 'node_modules'));
      copyFileSync(SCRIPT, join(project.path, 'scripts/test-setup.sh'));
      copyFileSync(join(ROOT, 'package.json'), join(project.path, 'package.json'));
      writeFileSync(join(project.path, 'package-lock.json'), '{"lockfileVersion":3}\n');
      const script = join(project.path, 'scripts/test-setup.sh');

      const cold = (await run('bash', [script, '--dry-run'])).stdout;
      expect(cold).toMatch(/==> node\nnode v\d+\.\d+\.\d+ \(floor \d+\.\d+\)/);
      expect(cold).toContain('would run: npm ci\n');
      expect(cold).toContain('would run: npm test\n');

      const hash = createHash('sha256').update('{"lockfileVersion":3}\n').digest('hex');
      writeFileSync(join(project.path, 'node_modules/.test-setup-lock.sha256'), `${hash}\n`);
      const warm = (await run('bash', [script, '--dry-run'])).stdout;
      expect(warm).toContain('node_modules matches package-lock.json\n');
      expect(warm).not.toContain('would run: npm ci');
    } finally {
      await project.remove();
    }
  });

  it('refuses an unknown argument', async () => {
    await expect(setup(['--fast'])).rejects.toMatchObject({ code: 2 });
  });
});
