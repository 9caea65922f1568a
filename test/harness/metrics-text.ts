/**
 * Reading the Prometheus text format in tests: sample values by name and labels, and
 * `promtool check metrics` (Debian package `prometheus`) as the linter.
 *
 * @module
 */
import { spawn } from 'node:child_process';

/** Debian's promtool. */
export const PROMTOOL_BINARY = '/usr/bin/promtool';

/** Sum of a metric's samples whose labels include every given `name="value"` pair (0 when none). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Whether any sample of `name` (with those labels) is present, whatever its value. */
export function hasSample(text: string, name: string, labels: Record<string, string> = {}): boolean {
  return text
    .split('\n')
    .some(
      (line) =>
        (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) &&
        Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)),
    );
}

/** `# TYPE` of every metric family: name → counter, gauge, histogram, summary, untyped. */
export function metricTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1]!, match[2]!);
  return types;
}

/** Runs `promtool check metrics` on `text` (stdin); resolves with its exit code and output. */
export function promtoolCheckMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL_BINARY, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
