/**
 * Keeps `bench/delivery-js.mjs` working against the built server: a tiny run prints one line per
 * transport and the bare floor, each delivery written exactly once, and bad flags are refused
 * with a usage error. No timing assertions: the numbers depend on the machine.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = path.join(root, 'bench', 'delivery-js.mjs');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('bench/delivery-js.mjs', () => {
  it('measures ws, sse and the bare floor, with one write per delivery, also with --cold', async () => {
    const { code, stdout, stderr } = await run(['--subscribers', '10', '--events', '20', '--cold', '0.5']);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['ws, burst 1', 'sse, burst 1', 'bare loop']);
    for (const line of lines) expect(line).toMatch(/^[^:]+: \d+ ns CPU per delivery .*, 200 writes in the last round$/);
  }, 90_000);

  it.each([
    [['--cold', 'abc'], '--cold must be a number >= 0, got "abc"'],
    [['--cold=-1'], '--cold must be a number >= 0'],
    [['--colder', '1'], "Unknown option '--colder'"],
    [['--burst', '0'], '--burst must be an integer >= 1, got "0"'],
    [['--subscribers', '1.5'], '--subscribers must be an integer >= 1'],
    [['--events', ''], '--events must be an integer >= 1, got ""'],
  ])('refuses %j with a usage error', async (args, message) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });
});
