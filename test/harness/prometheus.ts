/**
 * A real Prometheus (Debian's `prometheus`) on a free loopback port, tuned so rules evaluate and
 * alerts reach Alertmanager within seconds.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { launch, type ServerLifecycle } from './lifecycle.js';
import { ManagedProcess } from './managed-process.js';
import { freePort } from './ports.js';
import { makeTempDir } from './temp-dir.js';
import { probeHttp, waitFor } from './wait.js';

/** Path of the Debian package's binary. */
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /**
   * Alerting/recording rules, either a whole rules file (`groups: [...]`) or just a YAML list of rules
   * (wrapped into one group named `livegate-test`). Groups without `interval` get `1s`.
   * Defaults to no rules.
   */
  rulesYaml?: string;
  /** Alertmanagers to send alerts to, as `host:port` (API v2). Defaults to `[]`. */
  alertmanagerTargets?: string[];
  /**
   * Scrape Prometheus's own `/metrics` (job `prometheus`) so real series such as `up` exist.
   * Defaults to `true`.
   */
  scrapeSelf?: boolean;
  /** Extra command-line flags. Defaults to `[]`. */
  extraArgs?: string[];
  /** Deadline for `GET /-/ready` to answer 200, in milliseconds. Defaults to `20_000`. */
  readyTimeoutMs?: number;
}

/** The `data` member of a successful `GET /api/v1/query` answer. */
export interface PromQueryData {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  /** For `vector`: `{ metric, value: [unixSeconds, "value"] }[]`. */
  result: unknown;
}

/** One sample of an instant vector result. */
export interface PromVectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A running Prometheus started by {@link startPrometheus}. */
export interface Prometheus {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Always `'127.0.0.1'`. */
  readonly host: string;
  /** Web port, kept across {@link Prometheus.restart}. */
  readonly port: number;
  /** Temp dir holding `prom.yml`, `rules.yml` and the `data/` TSDB. */
  readonly dir: string;
  /** The underlying process, for `pid`, `outputTail()` and `describe()`. */
  readonly process: ManagedProcess;
  /** Process id, or `undefined` while down. */
  readonly pid: number | undefined;
  /** Graceful stop, then removes the temp dir. Final and idempotent. */
  stop(): Promise<void>;
  /** Stops (if running) and starts again on the same port and TSDB. */
  restart(): Promise<void>;
  /** SIGKILL, keeping port and TSDB for a later {@link Prometheus.restart}. */
  kill(): Promise<void>;
  /** `POST /-/reload`: re-reads config and rules; rejects with Prometheus's error if they are invalid. */
  reload(): Promise<void>;
  /** Rewrites the rules file (same forms as `rulesYaml`) and reloads, e.g. to make an alert stop firing. */
  setRules(rulesYaml: string): Promise<void>;
  /** Instant query `GET /api/v1/query`; resolves with `data`, rejects on a PromQL error. */
  query(promql: string): Promise<PromQueryData>;
}

const HOST = '127.0.0.1';

/**
 * Turns `rulesYaml` into a rules file whose groups all evaluate every second. Exported for tests.
 */
export function normalizeRulesYaml(rulesYaml: string | undefined): string {
  const parsed: unknown = rulesYaml === undefined ? null : parse(rulesYaml);
  if (parsed === null || parsed === undefined) return stringify({ groups: [] });
  if (Array.isArray(parsed)) return stringify({ groups: [{ name: 'livegate-test', interval: '1s', rules: parsed }] });
  if (typeof parsed === 'object' && Array.isArray((parsed as { groups?: unknown }).groups)) {
    const groups = (parsed as { groups: Record<string, unknown>[] }).groups.map((g) => ({
      interval: '1s',
      ...g,
    }));
    return stringify({ ...parsed, groups });
  }
  throw new TypeError(
    'rulesYaml must be a rules file ("groups: [...]") or a YAML list of rules ' +
      '("- alert: X\\n  expr: vector(1) > 0")',
  );
}

/** Builds `prom.yml`. Exported so tests can see what they run against. */
export function prometheusConfigYaml(opts: {
  port: number;
  rulesFile: string;
  alertmanagerTargets?: string[];
  scrapeSelf?: boolean;
}): string {
  const config: Record<string, unknown> = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [opts.rulesFile],
    scrape_configs:
      opts.scrapeSelf === false
        ? []
        : [{ job_name: 'prometheus', static_configs: [{ targets: [`${HOST}:${opts.port}`] }] }],
  };
  const targets = opts.alertmanagerTargets ?? [];
  if (targets.length > 0) {
    config.alerting = { alertmanagers: [{ api_version: 'v2', static_configs: [{ targets }] }] };
  }
  return stringify(config);
}

/**
 * Starts `/usr/bin/prometheus --config.file=<tmp>/prom.yml --storage.tsdb.path=<tmp>/data
 * --web.listen-address=127.0.0.1:<free> --web.external-url=http://127.0.0.1:<port>/
 * --rules.alert.resend-delay=1s --web.enable-lifecycle`
 * with 1 s scrape and evaluation intervals, and resolves once `GET /-/ready` answers 200 and, when
 * it scrapes itself (the default), once its first scrape is stored (`up` has a sample): `/-/ready`
 * comes before the first scrape, and under load that took seconds, so a test that queried
 * Prometheus' own series at once could get an empty answer (seen in CI: `up` empty 10 s in).
 */
export async function startPrometheus(opts: StartPrometheusOptions = {}): Promise<Prometheus> {
  for (const target of opts.alertmanagerTargets ?? []) {
    if (!/^[^/:]+:\d+$/.test(target))
      throw new TypeError(`alertmanagerTargets: ${JSON.stringify(target)} must be host:port, e.g. am.target`);
  }
  const initialRules = normalizeRulesYaml(opts.rulesYaml);
  const [port, dir] = await Promise.all([freePort(HOST), makeTempDir('prometheus')]);
  const url = `http://${HOST}:${port}`;
  const configFile = join(dir.path, 'prom.yml');
  const rulesFile = join(dir.path, 'rules.yml');
  const tsdb = join(dir.path, 'data');
  const configOpts: Parameters<typeof prometheusConfigYaml>[0] = { port, rulesFile };
  if (opts.alertmanagerTargets) configOpts.alertmanagerTargets = opts.alertmanagerTargets;
  if (opts.scrapeSelf !== undefined) configOpts.scrapeSelf = opts.scrapeSelf;
  await Promise.all([
    writeFile(configFile, prometheusConfigYaml(configOpts)),
    writeFile(rulesFile, initialRules),
    mkdir(tsdb),
  ]);
  const proc = new ManagedProcess({
    name: `prometheus:${port}`,
    command: PROMETHEUS_BINARY,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${tsdb}`,
      `--web.listen-address=${HOST}:${port}`,
      // Without it, generator URLs in alerts name the machine's hostname, which may not resolve.
      `--web.external-url=${url}/`,
      '--rules.alert.resend-delay=1s',
      '--web.enable-lifecycle',
      ...(opts.extraArgs ?? []),
    ],
    ready: () => probeHttp(`${url}/-/ready`, { expectStatus: 200 }),
    readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
  });
  const lifecycle = await launch(proc, dir, 'startPrometheus()');
  const reload = async () => {
    const res = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST ${url}/-/reload answered ${res.status}: ${text.slice(0, 500)}`);
  };
  const prometheus = Object.assign(lifecycle, {
    url,
    host: HOST,
    port,
    dir: dir.path,
    reload,
    async setRules(rulesYaml) {
      await writeFile(rulesFile, normalizeRulesYaml(rulesYaml));
      await reload();
    },
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`, {
        signal: AbortSignal.timeout(10_000),
      });
      const answer = (await res.json()) as {
        status: string;
        data?: PromQueryData;
        errorType?: string;
        error?: string;
      };
      if (answer.status !== 'success' || !answer.data) {
        throw new Error(
          `query ${JSON.stringify(promql)} failed (${res.status}): ${answer.errorType ?? ''} ${answer.error ?? ''}`,
        );
      }
      return answer.data;
    },
  } satisfies Omit<Prometheus, keyof ServerLifecycle>);
  if (opts.scrapeSelf !== false) {
    try {
      const scraped = async (): Promise<true | null> => {
        const { result } = await prometheus.query('up');
        return Array.isArray(result) && result.length > 0 ? true : null;
      };
      await waitFor(scraped, {
        timeoutMs: opts.readyTimeoutMs ?? 20_000,
        what: `prometheus:${port} to store its first scrape of itself`,
      });
    } catch (err) {
      await prometheus.stop();
      throw err;
    }
  }
  return prometheus;
}
