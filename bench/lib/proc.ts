/**
 * Server resource sampling from /proc/<pid>: CPU time (stat fields 14 utime + 15 stime, in clock
 * ticks) and resident set size (status VmRSS). Also reads livegate-style /metrics gauges.
 */
import fs from 'node:fs';
import http from 'node:http';
import { execFileSync } from 'node:child_process';

let ticksPerSec = 100;
try {
  ticksPerSec = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* keep 100 */
}

/** CPU time (user + system) of `pid` in milliseconds, or NaN if unreadable. */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name "(...)", which may contain spaces.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); field 14 is rest[11], field 15 is rest[12].
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return ((utime + stime) * 1000) / ticksPerSec;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of `pid` in bytes, or NaN. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface Sample {
  at: number;
  cpuMs: number;
  rss: number;
}

/** Periodic sampler of one process; keeps every sample (a run is bounded) and the peak RSS. */
export class ProcSampler {
  readonly samples: Sample[] = [];
  peakRss = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pid: number,
    private readonly intervalMs = 250,
  ) {}

  sample(): Sample {
    const s = { at: Date.now(), cpuMs: cpuMs(this.pid), rss: rssBytes(this.pid) };
    if (s.rss > this.peakRss) this.peakRss = s.rss;
    this.samples.push(s);
    return s;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): Sample {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.sample();
  }
}

/** GET a Prometheus text endpoint and return the named gauges (first sample of each, any `<prefix>_` accepted). */
export function scrapeGauges(
  host: string,
  port: number,
  path: string,
  names: string[],
): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const out: Record<string, number> = {};
        if (res.statusCode === 200) {
          for (const line of body.split('\n')) {
            if (line.startsWith('#')) continue;
            const metric = line.slice(0, Math.min(...[line.indexOf(' '), line.indexOf('{')].filter((i) => i >= 0)));
            for (const n of names) {
              // Accept a namespace prefix too (livegate up to 0.1.0 exported `livegate_nodejs_heap_size_used_bytes`).
              if (out[n] === undefined && (metric === n || metric.endsWith(`_${n}`))) {
                const v = Number(line.slice(line.lastIndexOf(' ') + 1));
                if (!Number.isNaN(v)) out[n] = v;
              }
            }
          }
        }
        resolve(out);
      });
      res.on('error', () => resolve({}));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({}));
  });
}
