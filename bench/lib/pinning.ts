/**
 * CPU pinning with `taskset`: the server gets the first allowed CPU, the generator (this process
 * and, by inheritance, its worker threads) the others. Skipped with fewer than two CPUs or without
 * taskset; the report says which.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface Pinning {
  pinned: boolean;
  serverCpus?: string;
  generatorCpus?: string;
  note: string;
}

function allowedCpus(): number[] {
  try {
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (!m) return [];
    const cpus: number[] = [];
    for (const part of m[1]!.split(',')) {
      const [a, b] = part.split('-').map(Number);
      if (a === undefined || Number.isNaN(a)) continue;
      for (let c = a; c <= (b ?? a); c++) cpus.push(c);
    }
    return cpus;
  } catch {
    return [];
  }
}

function hasTaskset(): boolean {
  const r = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Decide pinning and pin the current process (all threads) to the generator CPUs. */
export function setupPinning(enabled: boolean): Pinning {
  if (!enabled) return { pinned: false, note: 'pinning disabled (--no-pin)' };
  const cpus = allowedCpus();
  if (cpus.length < 2) return { pinned: false, note: `not pinned: ${cpus.length || 'unknown'} CPU(s) available` };
  if (!hasTaskset()) return { pinned: false, note: 'not pinned: taskset not found' };
  const serverCpus = String(cpus[0]);
  const generatorCpus = cpus.slice(1).join(',');
  const r = spawnSync('taskset', ['-a', '-cp', generatorCpus, String(process.pid)], { stdio: 'ignore' });
  if (r.status !== 0) return { pinned: false, note: 'not pinned: taskset failed on the generator' };
  return {
    pinned: true,
    serverCpus,
    generatorCpus,
    note: `server on CPU ${serverCpus}, generator on CPU ${generatorCpus}`,
  };
}

/** Generator CPU count after pinning (for the default worker count). */
export function generatorCpuCount(p: Pinning): number {
  return p.generatorCpus ? p.generatorCpus.split(',').length : Math.max(1, allowedCpus().length);
}
