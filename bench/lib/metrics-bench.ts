/**
 * The `metrics` scenario: N viewers spread over Q distinct PromQL queries at one interval, served
 * by a livegate process against a real Prometheus (Debian's, scraping itself). Measures what the
 * issue asks: Prometheus queries per interval (goal: Q), livegate's CPU, and the delay from the
 * end of an evaluation (evaluatedAt + queryMs) to the update's arrival at each viewer (p50/p99).
 *
 * `npm run bench -- --scenario metrics [--viewers 1000] [--queries 10] [--interval 5] [--intervals 6]`
 */
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPrometheus } from '../../test/harness/prometheus.js';
import { cpuMs } from './proc.js';
import { freePort, ServerProcess } from './server-process.js';

/** Ten distinct queries over Prometheus' own series. */
export const BENCH_QUERIES = [
  'up',
  'rate(prometheus_http_requests_total[1m])',
  'sum by (handler) (rate(prometheus_http_requests_total[1m]))',
  'process_resident_memory_bytes',
  'go_goroutines',
  'prometheus_tsdb_head_series',
  'rate(process_cpu_seconds_total[1m])',
  'sum(prometheus_http_requests_total)',
  'go_memstats_alloc_bytes',
  'scrape_duration_seconds',
] as const;

/** Result of one metrics run. */
export interface MetricsBenchResult {
  readonly viewers: number;
  readonly queries: number;
  readonly interval: number;
  readonly intervals: number;
  readonly prometheusQueriesPerInterval: number;
  readonly serverCpuPercent: number;
  readonly serverCpuMsPerInterval: number;
  readonly updatesReceived: number;
  readonly updatesExpected: number;
  readonly delayP50Ms: number;
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
}

async function instantQueryCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('prometheus_http_requests_total{') && line.includes('handler="/api/v1/query"')) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/** One raw SSE viewer: parses only `metric-update` frames and records the delay. */
function openViewer(
  port: number,
  query: string,
  interval: number,
  localAddress: string,
  onUpdate: (delayMs: number, evaluatedAt: string) => void,
): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const qs = new URLSearchParams({ query, interval: String(interval) }).toString();
    const req = http.get({ host: '127.0.0.1', port, path: `/api/v1/metrics/stream?${qs}`, localAddress, agent: false });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`viewer got HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      let connected = false;
      res.on('data', (chunk: string) => {
        const now = Date.now();
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (frame.startsWith('event: connected') && !connected) {
            connected = true;
            resolve(req);
          } else if (frame.startsWith('event: metric-update')) {
            const data = frame.slice(frame.indexOf('data: ') + 6);
            const u = JSON.parse(data) as { evaluatedAt: string; queryMs: number };
            onUpdate(now - (Date.parse(u.evaluatedAt) + u.queryMs), u.evaluatedAt);
          }
        }
      });
    });
    req.on('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs the scenario once. `root` is the repository (for `dist/src/cli/main.js`). */
export async function runMetricsBench(
  root: string,
  opts: { viewers: number; queries: number; interval: number; intervals: number },
  log: (line: string) => void,
): Promise<MetricsBenchResult> {
  const prom = await startPrometheus();
  const port = await freePort('127.0.0.1');
  const server = await ServerProcess.start(
    {
      command: process.execPath,
      args: [
        path.join(root, 'dist/src/cli/main.js'),
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--prometheus-url',
        prom.url,
        '--metrics-max-streams',
        String(opts.viewers + 10),
        '--limits-max-connections',
        '100000',
        '--limits-max-per-ip',
        '100000',
        '--limits-connects-per-second',
        '0',
        '--log-level',
        'warn',
      ],
      env: {},
    },
    { cpus: undefined, host: '127.0.0.1', port, readyPath: '/healthz', timeoutMs: 60_000, cwd: root },
  );
  const requests: http.ClientRequest[] = [];
  try {
    // Rates need two scrapes of history.
    await new Promise((r) => setTimeout(r, 2500));
    const delays: number[] = [];
    let windowStart = Infinity;
    let windowEnd = Infinity;
    let received = 0;
    const queries = BENCH_QUERIES.slice(0, opts.queries);
    log(`metrics: ${opts.viewers} viewers over ${queries.length} queries at ${opts.interval} s`);
    const batch: Promise<http.ClientRequest>[] = [];
    for (let i = 0; i < opts.viewers; i++) {
      const local = `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
      batch.push(
        openViewer(port, queries[i % queries.length]!, opts.interval, local, (delay, evaluatedAt) => {
          const t = Date.parse(evaluatedAt);
          if (t >= windowStart && t < windowEnd) {
            delays.push(delay);
            received += 1;
          }
        }),
      );
      if (batch.length >= 100) requests.push(...(await Promise.all(batch.splice(0))));
    }
    requests.push(...(await Promise.all(batch)));
    // Measure whole intervals, starting at the next boundary.
    const step = opts.interval * 1000;
    windowStart = Math.ceil((Date.now() + 500) / step) * step;
    windowEnd = windowStart + opts.intervals * step;
    await new Promise((r) => setTimeout(r, Math.max(0, windowStart - Date.now() - 200)));
    const q0 = await instantQueryCount(prom.url);
    const cpu0 = cpuMs(server.pid);
    const wall0 = Date.now();
    // Until the last boundary of the window has been evaluated and delivered.
    await new Promise((r) => setTimeout(r, Math.max(0, windowEnd - Date.now() - 200)));
    const q1 = await instantQueryCount(prom.url);
    const cpu1 = cpuMs(server.pid);
    const wall1 = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    delays.sort((a, b) => a - b);
    return {
      viewers: opts.viewers,
      queries: queries.length,
      interval: opts.interval,
      intervals: opts.intervals,
      prometheusQueriesPerInterval: (q1 - q0) / opts.intervals,
      serverCpuPercent: Math.round(((cpu1 - cpu0) / (wall1 - wall0)) * 1000) / 10,
      serverCpuMsPerInterval: Math.round((cpu1 - cpu0) / opts.intervals),
      updatesReceived: received,
      updatesExpected: opts.viewers * opts.intervals,
      delayP50Ms: Math.round(percentile(delays, 50) * 10) / 10,
      delayP99Ms: Math.round(percentile(delays, 99) * 10) / 10,
      delayMaxMs: Math.round((delays.at(-1) ?? NaN) * 10) / 10,
    };
  } finally {
    for (const r of requests) r.destroy();
    await server.stop();
    await prom.stop();
  }
}

/** `--scenario metrics` entry point; prints a Markdown row. */
export async function metricsScenarioMain(argv: string[], root: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      viewers: { type: 'string', default: '1000' },
      queries: { type: 'string', default: '10' },
      interval: { type: 'string', default: '5' },
      intervals: { type: 'string', default: '6' },
      smoke: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const smoke = values.smoke === true;
  const opts = {
    viewers: smoke ? 20 : Number(values.viewers),
    queries: smoke ? 2 : Number(values.queries),
    interval: Number(values.interval),
    intervals: smoke ? 1 : Number(values.intervals),
  };
  for (const [k, v] of Object.entries(opts)) {
    if (!Number.isInteger(v) || v < 1) throw new TypeError(`--${k} must be a positive integer, got ${v}`);
  }
  if (opts.queries > BENCH_QUERIES.length) throw new TypeError(`--queries is at most ${BENCH_QUERIES.length}`);
  const r = await runMetricsBench(root, opts, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(
    [
      '| viewers | queries | interval | Prometheus queries/interval | server CPU | CPU ms/interval | updates | delay p50 | delay p99 | max |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      `| ${r.viewers} | ${r.queries} | ${r.interval} s | ${r.prometheusQueriesPerInterval} | ${r.serverCpuPercent} % | ${r.serverCpuMsPerInterval} | ${r.updatesReceived}/${r.updatesExpected} | ${r.delayP50Ms} ms | ${r.delayP99Ms} ms | ${r.delayMaxMs} ms |`,
      '',
    ].join('\n'),
  );
}
