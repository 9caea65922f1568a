/**
 * `npm run bench` — load generator and baselines for livegate. See bench/README.md.
 *
 * Runs each selected scenario against each selected target (a fresh server process per run),
 * prints a table with livegate's ratio to each baseline and appends the session to
 * `bench/results/<YYYY-MM-DD>.json`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatorCpuCount, setupPinning } from './lib/pinning.js';
import { renderTable, writeResults, type Session } from './lib/report.js';
import { runOne, skippedResult, type RunResult, type RunTransport } from './lib/runner.js';
import { metricsScenarioMain } from './lib/metrics-bench.js';
import { SCENARIOS, scenarioParams, type Overrides, type ScenarioName } from './lib/scenarios.js';
import { TARGETS, findTarget, type Target, type TargetContext, type Transport } from './targets/index.js';

const HELP = `Usage: npm run bench -- [options]

  --scenario LIST      ${SCENARIOS.join(',')} (default: all); or, only when named: cluster
                       (livegate nodes on a Redis stream, bench/cluster.ts), or "metrics" alone:
                       PromQL streams (--viewers 1000 --queries 10 --interval 5 --intervals 6,
                       needs /usr/bin/prometheus), or "console" alone: the console following a
                       nats-server with --streams 2000 --consumers 5000 over --rounds 10
  --targets LIST       livegate,bare-ws-framed,bare-ws,socketio,bare-sse,better-sse
                       (default: all; also livegate-sse, livegate-ws)
  --smoke              tiny sizes, ~2 s per run, all scenarios but fanout unless --scenario is given;
                       implies --check; writes no results file unless --out is given
  --subscribers N      subscribers (connections) per run, overrides the scenario size
  --rate R             published events per second
  --duration S         seconds of publishing
  --warmup S           leading seconds left out of the latency histogram (default 2)
  --shards K           filtered: label values; each subscriber gets 1/K of the events (default 100)
  --slow-fraction F    slow: fraction of subscribers that stop reading (default 0.05)
  --churn-rate R       churn: close + resume operations per second (default 500)
  --settle S           idle: seconds to wait before measuring memory (default 5)
  --drain S            seconds to wait for outstanding deliveries after publishing (default 10)
  --workers W          subscriber worker threads (default: generator CPUs, at least 2)
  --connect-concurrency N  handshakes in flight per worker (default 100)
  --no-pin             do not pin server and generator to different CPUs with taskset
  --no-spread          do not bind client sockets to 127.0.X.Y source addresses
  --socketio-client C  lean (default) or official (socket.io-client)
  --livegate-args "…"  extra arguments for \`livegate serve\`
  --out FILE           results file (default bench/results/<YYYY-MM-DD>.json; none in smoke mode)
  --no-write           do not write a results file
  --check              exit 1 unless every run delivered events without loss (implied by --smoke)
  --report FILE        print the table of a results file instead of running (rows of its last session)
  --last N             with --report: merge the rows of the last N sessions (separate invocations)
`;

interface Cli {
  scenarios: ScenarioName[];
  cluster: boolean;
  targets: { target: Target; only?: Transport }[];
  smoke: boolean;
  overrides: Overrides;
  workers?: number;
  connectConcurrency: number;
  pin: boolean;
  spread: boolean;
  officialSocketIo: boolean;
  livegateArgs: string[];
  out?: string;
  write: boolean;
  check: boolean;
  report?: string;
  last: number;
}

function parseCli(argv: string[]): Cli {
  const cli: Cli = {
    scenarios: [...SCENARIOS],
    cluster: false,
    targets: TARGETS.map((target) => ({ target })),
    smoke: false,
    overrides: {},
    connectConcurrency: 100,
    pin: true,
    spread: true,
    officialSocketIo: false,
    livegateArgs: [],
    write: true,
    check: false,
    last: 1,
  };
  let scenariosGiven = false;
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || n < 0)
      throw new Error(`${flag} needs a non-negative number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const val = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        process.exit(0);
        break;
      case '--scenario':
      case '--scenarios': {
        const list = (val() ?? '').split(',').filter(Boolean);
        // `cluster` runs its own nodes and Redis (bench/cluster.ts), outside the target matrix.
        cli.cluster = list.includes('cluster');
        list.splice(0, list.length, ...list.filter((s) => s !== 'cluster'));
        for (const s of list)
          if (!SCENARIOS.includes(s as ScenarioName))
            throw new Error(`unknown scenario ${s} (known: ${SCENARIOS.join(', ')})`);
        cli.scenarios = list as ScenarioName[];
        scenariosGiven = true;
        break;
      }
      case '--target':
      case '--targets': {
        cli.targets = [];
        for (const name of (val() ?? '').split(',').filter(Boolean)) {
          const m = /^livegate-(sse|ws)$/.exec(name);
          const target = findTarget(m ? 'livegate' : name);
          if (!target)
            throw new Error(
              `unknown target ${name} (known: ${TARGETS.map((t) => t.name).join(', ')}, livegate-sse, livegate-ws)`,
            );
          cli.targets.push(m ? { target, only: m[1] as Transport } : { target });
        }
        break;
      }
      case '--smoke':
        cli.smoke = true;
        break;
      case '--subscribers':
        cli.overrides.subscribers = Math.floor(num(flag, val()));
        break;
      case '--rate':
        cli.overrides.rate = num(flag, val());
        break;
      case '--duration':
        cli.overrides.durationS = num(flag, val());
        break;
      case '--warmup':
        cli.overrides.warmupS = num(flag, val());
        break;
      case '--shards':
        cli.overrides.shards = Math.max(1, Math.floor(num(flag, val())));
        break;
      case '--slow-fraction':
        cli.overrides.slowFraction = Math.min(1, num(flag, val()));
        break;
      case '--churn-rate':
        cli.overrides.churnPerSec = num(flag, val());
        break;
      case '--settle':
        cli.overrides.settleS = num(flag, val());
        break;
      case '--drain':
        cli.overrides.drainS = num(flag, val());
        break;
      case '--workers':
        cli.workers = Math.max(1, Math.floor(num(flag, val())));
        break;
      case '--connect-concurrency':
        cli.connectConcurrency = Math.max(1, Math.floor(num(flag, val())));
        break;
      case '--no-pin':
        cli.pin = false;
        break;
      case '--no-spread':
        cli.spread = false;
        break;
      case '--socketio-client': {
        const v = val();
        if (v !== 'lean' && v !== 'official') throw new Error('--socketio-client is lean or official');
        cli.officialSocketIo = v === 'official';
        break;
      }
      case '--livegate-args':
        cli.livegateArgs = (val() ?? '').split(/\s+/).filter(Boolean);
        break;
      case '--out':
        cli.out = val();
        break;
      case '--no-write':
        cli.write = false;
        break;
      case '--check':
        cli.check = true;
        break;
      case '--report':
        cli.report = val();
        break;
      case '--last':
        cli.last = Math.max(1, Math.floor(num(flag, val())));
        break;
      default:
        throw new Error(`unknown option ${raw}\n\n${HELP}`);
    }
  }
  if (cli.smoke) {
    cli.check = true;
    // fanout is latency with more subscribers: same code path, left out of the quick check.
    if (!scenariosGiven) cli.scenarios = cli.scenarios.filter((s) => s !== 'fanout');
  }
  return cli;
}

/** Transports to run for a target in a scenario. */
function transportsFor(sel: { target: Target; only?: Transport }, scenario: ScenarioName): RunTransport[] {
  if (sel.only) return [sel.only];
  if (scenario === 'idle' && sel.target.transports.length > 1) return ['mixed'];
  return sel.target.transports;
}

function localDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Problems that make a smoke/--check run fail (timings are never checked). */
function checkProblems(rows: RunResult[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const id = `${r.scenario}${r.variant ? `/${r.variant}` : ''} ${r.target}/${r.transport}`;
    if (r.skipped) continue;
    if (r.failed) {
      out.push(`${id}: failed: ${r.failed.split('\n')[0]}`);
      continue;
    }
    if (r.connected < r.subscribers) out.push(`${id}: only ${r.connected}/${r.subscribers} subscribers connected`);
    if (r.scenario === 'idle') continue;
    if (r.deliveries === 0) out.push(`${id}: no deliveries`);
    if (r.missing > 0) out.push(`${id}: ${r.missing} missing events`);
    if (r.duplicates + r.unexpected > 0)
      out.push(`${id}: ${r.duplicates} duplicates, ${r.unexpected} unexpected events`);
  }
  return out;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  // The PromQL scenario has its own shape (Prometheus + metric streams), see lib/metrics-bench.ts.
  const at = argv.findIndex((a) => a === '--scenario' || a === '--scenarios');
  if (at >= 0 && argv[at + 1] === 'metrics') {
    await metricsScenarioMain(argv, process.env.LIVEGATE_BENCH_ROOT ?? process.cwd());
    return 0;
  }
  // The console scenario follows its own nats-server with thousands of streams (console-scale.ts).
  if (at >= 0 && argv[at + 1] === 'console') {
    const { consoleScenarioMain } = await import('./console-scale.js');
    await consoleScenarioMain(argv, process.env.LIVEGATE_BENCH_ROOT ?? process.cwd());
    return 0;
  }
  const cli = parseCli(argv);
  if (cli.report) {
    const doc = JSON.parse(fs.readFileSync(cli.report, 'utf8')) as { sessions?: Session[] };
    const sessions = (doc.sessions ?? []).slice(-cli.last);
    if (sessions.length === 0) throw new Error(`${cli.report} holds no sessions`);
    const rows = sessions.flatMap((x) => x.results);
    // Group rows of separate invocations by scenario (stable: target order is kept).
    const key = (r: RunResult): number =>
      SCENARIOS.indexOf(r.scenario as ScenarioName) * 2 + (r.variant === 'control' ? 0 : 1);
    rows.sort((a, b) => key(a) - key(b));
    process.stdout.write(`${renderTable(rows)}\n`);
    return 0;
  }
  const buildDir = path.dirname(fileURLToPath(import.meta.url));
  const root = process.env.LIVEGATE_BENCH_ROOT ?? process.cwd();
  const log = (m: string): void => void process.stderr.write(`${m}\n`);

  const pinning = setupPinning(cli.pin);
  const workers = cli.workers ?? Math.max(2, generatorCpuCount(pinning));
  log(`bench: ${pinning.note}; ${workers} subscriber workers${cli.smoke ? '; smoke mode' : ''}`);

  if (cli.cluster) {
    const { runCluster } = await import('./cluster.js');
    const clusterRows = await runCluster({
      root,
      durationS: cli.overrides.durationS ?? (cli.smoke ? 2 : 10),
      publishers: 16,
      subscribers: cli.overrides.subscribers ?? (cli.smoke ? 30 : 600),
      rate: cli.overrides.rate ?? (cli.smoke ? 50 : 100),
      nodeCounts: [1, 2, 3],
      smoke: cli.smoke,
    });
    if (cli.check && clusterRows.some((r) => r.missing + r.duplicates + r.failedPublishes > 0)) return 1;
    if (cli.scenarios.length === 0) return 0;
  }

  const startedAt = new Date();
  const rows: RunResult[] = [];
  const plan: { run: () => Promise<RunResult>; label: string }[] = [];
  for (const scenario of cli.scenarios) {
    for (const params of scenarioParams(scenario, cli.smoke, cli.overrides)) {
      for (const sel of cli.targets) {
        for (const transport of transportsFor(sel, scenario)) {
          const label = `${scenario}${params.variant ? `/${params.variant}` : ''} ${sel.target.name}/${transport}`;
          const ctx: TargetContext = {
            root,
            buildDir,
            host: '127.0.0.1',
            port: 0,
            livegateArgs: cli.livegateArgs,
            officialSocketIoClient: cli.officialSocketIo,
          };
          const why = sel.target.unavailable(ctx);
          if (why) {
            plan.push({ label, run: async () => skippedResult(params, sel.target.name, transport, why) });
          } else if (scenario === 'churn' && !sel.target.resume) {
            plan.push({
              label,
              run: async () => skippedResult(params, sel.target.name, transport, 'n/a: no resume support'),
            });
          } else {
            plan.push({
              label,
              run: () =>
                runOne(sel.target, transport, params, {
                  root,
                  buildDir,
                  host: '127.0.0.1',
                  workers,
                  generatorCpus: generatorCpuCount(pinning),
                  serverCpus: pinning.serverCpus,
                  connectConcurrency: cli.connectConcurrency,
                  spreadSourceAddresses: cli.spread,
                  livegateArgs: cli.livegateArgs,
                  officialSocketIoClient: cli.officialSocketIo,
                  settleMs: cli.smoke ? 100 : 500,
                  log,
                }),
            });
          }
        }
      }
    }
  }

  let k = 0;
  for (const step of plan) {
    k++;
    log(`[${k}/${plan.length}] ${step.label}`);
    const t0 = Date.now();
    const r = await step.run();
    rows.push(r);
    if (r.skipped) log(`    skipped: ${r.skipped}`);
    else if (r.failed) log(`    FAILED: ${r.failed}`);
    else if (r.idle)
      log(
        `    ${r.connected} idle connections: ${r.idle.rssPerConnKB} KB RSS/conn (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    else
      log(
        `    ${r.deliveriesPerSec} deliveries/s, p99 ${r.latencyMs.p99} ms, missing ${r.missing}, server CPU ${r.server.cpuPercent}% (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
  }

  process.stdout.write(`\n${renderTable(rows)}\n`);

  const session: Session = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    argv: process.argv.slice(2),
    smoke: cli.smoke,
    host: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      pinning: pinning.note,
      generatorWorkers: workers,
    },
    results: rows,
  };
  const out = cli.out ?? (cli.smoke ? undefined : path.join(root, 'bench', 'results', `${localDate(startedAt)}.json`));
  if (cli.write && out) {
    writeResults(path.resolve(out), session);
    log(`results appended to ${path.relative(process.cwd(), path.resolve(out)) || out}`);
  }

  if (cli.check) {
    const problems = checkProblems(rows);
    if (problems.length > 0) {
      log(`\ncheck failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      return 1;
    }
    log('check passed: every run delivered events without loss');
  } else if (rows.some((r) => r.failed)) return 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
