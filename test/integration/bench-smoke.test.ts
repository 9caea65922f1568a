/**
 * Keeps the load generator (`bench/`) working: runs `node bench/bench.mjs --smoke` against the
 * baselines, and against livegate when it is built, and checks that every run completed, delivered
 * events and lost none. No timing assertions: the numbers depend on the machine.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasLivegate = fs.existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'));

interface Row {
  scenario: string;
  variant: string;
  target: string;
  transport: string;
  subscribers: number;
  connected: number;
  skipped?: string;
  failed?: string;
  deliveries: number;
  missing: number;
  duplicates: number;
  unexpected: number;
}

async function smoke(
  targets: string,
  timeoutMs: number,
): Promise<{ code: number | null; output: string; rows: Row[] }> {
  const out = path.join(os.tmpdir(), `livegate-bench-smoke-${process.pid}-${Date.now()}.json`);
  const child = spawn(
    process.execPath,
    [path.join(root, 'bench', 'bench.mjs'), '--smoke', '--targets', targets, '--out', out],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  let rows: Row[] = [];
  if (fs.existsSync(out)) {
    const doc = JSON.parse(fs.readFileSync(out, 'utf8')) as { sessions: { results: Row[] }[] };
    rows = doc.sessions.at(-1)?.results ?? [];
    fs.rmSync(out, { force: true });
  }
  return { code, output, rows };
}

function expectHealthy(rows: Row[], output: string): void {
  const ran = rows.filter((r) => !r.skipped);
  expect(ran.length, output).toBeGreaterThan(0);
  for (const r of ran) {
    const id = `${r.scenario}${r.variant ? `/${r.variant}` : ''} ${r.target}/${r.transport}`;
    expect(r.failed, `${id}\n${output}`).toBeUndefined();
    expect(r.connected, id).toBe(r.subscribers);
    if (r.scenario === 'idle') continue;
    expect(r.deliveries, id).toBeGreaterThan(0);
    expect(r.missing, id).toBe(0);
    expect(r.duplicates + r.unexpected, id).toBe(0);
  }
}

describe('bench smoke', () => {
  it('runs every scenario against the bare ws, bare SSE and better-sse baselines', async () => {
    const { code, output, rows } = await smoke('bare-ws,bare-ws-framed,bare-sse,better-sse', 200_000);
    expect(code, output).toBe(0);
    expectHealthy(rows, output);
    // churn needs resume, which the baselines do not have: reported as n/a, not run.
    expect(rows.filter((r) => r.scenario === 'churn').every((r) => r.skipped)).toBe(true);
  }, 220_000);

  it.skipIf(!hasLivegate)(
    'runs every scenario against livegate (SSE and WebSocket)',
    async () => {
      const { code, output, rows } = await smoke('livegate', 170_000);
      expect(code, output).toBe(0);
      expectHealthy(rows, output);
      expect(rows.some((r) => r.scenario === 'churn' && !r.skipped)).toBe(true);
    },
    180_000,
  );
});
