/**
 * A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) on a free loopback port, with a
 * typed client for the parts of its API v2 that tests need.
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
import { probeHttp } from './wait.js';

/** Path of the Debian package's binary. */
export const ALERTMANAGER_BINARY = '/usr/bin/prometheus-alertmanager';

/** Options of {@link startAlertmanager}. */
export interface StartAlertmanagerOptions {
  /**
   * Complete `alertmanager.yml` to use instead of the generated one. Cannot be combined with
   * `webhookUrl`, `inhibitRulesYaml` or `groupBy`. Defaults to the generated config: one route to a
   * `null` receiver (or to `webhook` when `webhookUrl` is set) with `group_wait: 0s`,
   * `group_interval: 1s`, `repeat_interval: 1h`.
   */
  configYaml?: string;
  /**
   * Adds a `webhook` receiver posting to this URL with `send_resolved: true`, and routes to it.
   * Defaults to none.
   */
  webhookUrl?: string;
  /** YAML list placed under `inhibit_rules:` (e.g. `- source_matchers: [...]`). Defaults to none. */
  inhibitRulesYaml?: string;
  /** `group_by` of the root route. Defaults to `['alertname']`. */
  groupBy?: string[];
  /** Extra command-line flags. Defaults to `[]`. */
  extraArgs?: string[];
  /** Deadline for `GET /-/ready` to answer 200, in milliseconds. Defaults to `20_000`. */
  readyTimeoutMs?: number;
}

/** A label matcher of the API v2. */
export interface AlertmanagerMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** `false` for `!=` / `!~`. Defaults to `true` on the server. */
  isEqual?: boolean;
}

/** An alert as posted to `POST /api/v2/alerts`. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** RFC 3339. Defaults to now on the server. */
  startsAt?: string;
  /** RFC 3339; a past time resolves the alert. Defaults to now + `resolve_timeout` on the server. */
  endsAt?: string;
  generatorURL?: string;
}

/** An alert as returned by `GET /api/v2/alerts`. */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  fingerprint: string;
  generatorURL?: string;
  receivers: { name: string }[];
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

/** Filters of `GET /api/v2/alerts`; each flag defaults to `true` on the server. */
export interface GetAlertsParams {
  /** Matchers such as `alertname="X"`. */
  filter?: string[];
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
  unprocessed?: boolean;
  receiver?: string;
}

/** Input of {@link Alertmanager.createSilence}. */
export interface NewSilence {
  matchers: AlertmanagerMatcher[];
  /** Defaults to now. */
  startsAt?: Date | string;
  endsAt: Date | string;
  createdBy: string;
  comment: string;
}

/** A silence as returned by `GET /api/v2/silences`. */
export interface GettableSilence {
  id: string;
  matchers: AlertmanagerMatcher[];
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  createdBy: string;
  comment: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

/** A running Alertmanager started by {@link startAlertmanager}. */
export interface Alertmanager {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Always `'127.0.0.1'`. */
  readonly host: string;
  /** Web port, kept across {@link Alertmanager.restart}. */
  readonly port: number;
  /** `127.0.0.1:<port>`, the form Prometheus's `alertmanagers` targets take. */
  readonly target: string;
  /** Temp dir holding `am.yml` and the `data/` storage dir. */
  readonly dir: string;
  /** The underlying process, for `pid`, `outputTail()` and `describe()`. */
  readonly process: ManagedProcess;
  /** Process id, or `undefined` while down. */
  readonly pid: number | undefined;
  /** Graceful stop, then removes the temp dir. Final and idempotent. */
  stop(): Promise<void>;
  /** Stops (if running) and starts again on the same port and storage (silences survive). */
  restart(): Promise<void>;
  /** SIGKILL, keeping port and storage for a later {@link Alertmanager.restart}. */
  kill(): Promise<void>;
  /** `GET /api/v2/alerts`. */
  getAlerts(params?: GetAlertsParams): Promise<GettableAlert[]>;
  /** `POST /api/v2/alerts`. */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** `POST /api/v2/silences`; resolves with the new silence's id. */
  createSilence(silence: NewSilence): Promise<string>;
  /** `DELETE /api/v2/silence/{id}`. */
  expireSilence(id: string): Promise<void>;
  /** `GET /api/v2/silences`. */
  getSilences(): Promise<GettableSilence[]>;
}

const HOST = '127.0.0.1';

/**
 * Builds the default `alertmanager.yml`; exported so tests can see what they run against.
 */
export function alertmanagerConfigYaml(
  opts: Pick<StartAlertmanagerOptions, 'webhookUrl' | 'inhibitRulesYaml' | 'groupBy'> = {},
): string {
  const receivers: Record<string, unknown>[] = [{ name: 'null' }];
  if (opts.webhookUrl !== undefined) {
    receivers.push({ name: 'webhook', webhook_configs: [{ url: opts.webhookUrl, send_resolved: true }] });
  }
  const config: Record<string, unknown> = {
    route: {
      receiver: opts.webhookUrl !== undefined ? 'webhook' : 'null',
      group_by: opts.groupBy ?? ['alertname'],
      group_wait: '0s',
      group_interval: '1s',
      repeat_interval: '1h',
    },
    receivers,
  };
  if (opts.inhibitRulesYaml !== undefined) {
    const rules: unknown = parse(opts.inhibitRulesYaml);
    if (!Array.isArray(rules)) {
      throw new TypeError(
        'inhibitRulesYaml must be a YAML list, e.g. ' +
          '"- source_matchers: [severity=critical]\\n  target_matchers: [severity=warning]\\n  equal: [alertname]"',
      );
    }
    config.inhibit_rules = rules;
  }
  return stringify(config);
}

/**
 * Starts `/usr/bin/prometheus-alertmanager --config.file=<tmp>/am.yml --storage.path=<tmp>/data
 * --web.listen-address=127.0.0.1:<free> --cluster.listen-address=` (no gossip on 9094, so several
 * can run side by side) and resolves once `GET /-/ready` answers 200.
 */
export async function startAlertmanager(opts: StartAlertmanagerOptions = {}): Promise<Alertmanager> {
  if (
    opts.configYaml !== undefined &&
    (opts.webhookUrl !== undefined || opts.inhibitRulesYaml !== undefined || opts.groupBy !== undefined)
  ) {
    throw new TypeError(
      'startAlertmanager: pass either configYaml or webhookUrl/inhibitRulesYaml/groupBy, not both; ' +
        'put them into configYaml',
    );
  }
  const configYaml = opts.configYaml ?? alertmanagerConfigYaml(opts);
  const [port, dir] = await Promise.all([freePort(HOST), makeTempDir('alertmanager')]);
  const url = `http://${HOST}:${port}`;
  const configFile = join(dir.path, 'am.yml');
  const storage = join(dir.path, 'data');
  await writeFile(configFile, configYaml);
  await mkdir(storage);
  const proc = new ManagedProcess({
    name: `alertmanager:${port}`,
    command: ALERTMANAGER_BINARY,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${storage}`,
      `--web.listen-address=${HOST}:${port}`,
      '--cluster.listen-address=',
      ...(opts.extraArgs ?? []),
    ],
    ready: () => probeHttp(`${url}/-/ready`, { expectStatus: 200 }),
    readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
  });
  const lifecycle = await launch(proc, dir, 'startAlertmanager()');
  const api = `${url}/api/v2`;
  return Object.assign(lifecycle, {
    url,
    host: HOST,
    port,
    target: `${HOST}:${port}`,
    dir: dir.path,
    async getAlerts(params = {}) {
      const query = new URLSearchParams();
      for (const matcher of params.filter ?? []) query.append('filter', matcher);
      for (const key of ['active', 'silenced', 'inhibited', 'unprocessed'] as const) {
        if (params[key] !== undefined) query.set(key, String(params[key]));
      }
      if (params.receiver !== undefined) query.set('receiver', params.receiver);
      const qs = query.toString() === '' ? '' : `?${query.toString()}`;
      return (await requestJson('GET', `${api}/alerts${qs}`)) as GettableAlert[];
    },
    async postAlerts(alerts) {
      await requestJson('POST', `${api}/alerts`, alerts);
    },
    async createSilence(silence) {
      const body = {
        matchers: silence.matchers.map((m) => ({ isEqual: true, ...m })),
        startsAt: toIso(silence.startsAt ?? new Date()),
        endsAt: toIso(silence.endsAt),
        createdBy: silence.createdBy,
        comment: silence.comment,
      };
      const answer = (await requestJson('POST', `${api}/silences`, body)) as { silenceID?: string };
      if (typeof answer.silenceID !== 'string') {
        throw new Error(`POST ${api}/silences answered without silenceID: ${JSON.stringify(answer)}`);
      }
      return answer.silenceID;
    },
    async expireSilence(id) {
      await requestJson('DELETE', `${api}/silence/${encodeURIComponent(id)}`);
    },
    async getSilences() {
      return (await requestJson('GET', `${api}/silences`)) as GettableSilence[];
    },
  } satisfies Omit<Alertmanager, keyof ServerLifecycle>);
}

function toIso(time: Date | string): string {
  return typeof time === 'string' ? time : time.toISOString();
}

/** One JSON request; a non-2xx answer throws with method, URL, status and body. */
async function requestJson(method: string, url: string, body?: unknown): Promise<unknown> {
  const init: RequestInit = { method, signal: AbortSignal.timeout(5000) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return text === '' ? undefined : JSON.parse(text);
}
