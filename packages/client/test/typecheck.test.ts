import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const packageDir = fileURLToPath(new URL('..', import.meta.url));

function typecheck(project: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsc, '-p', project, '--noEmit'],
      { cwd: packageDir, timeout: 120_000 },
      (_error, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()),
    );
  });
}

// The root build does not compile packages/, so the SDK, its React/Vue examples and its tests are
// type-checked here to keep them checked on every CI run.
describe.concurrent('type-check', () => {
  it('passes for the sources and the React and Vue examples, without Node types', async () => {
    expect(await typecheck('tsconfig.json')).toBe('');
  }, 120_000);

  it('passes for the tests', async () => {
    expect(await typecheck('test/tsconfig.json')).toBe('');
  }, 120_000);
});
